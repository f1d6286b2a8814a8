import { derToPem } from '@scep/pki';

export const certificatePem = (der: Buffer) => derToPem(der, 'CERTIFICATE');
