import { CaKeyEntity } from './ca-key.entity';
import { CertificateAuthorityEntity } from './certificate-authority.entity';
import { CrlEntity } from './crl.entity';
import { IssuedCertificateEntity } from './issued-certificate.entity';
import { OcspResponderEntity } from './ocsp-responder.entity';
import { RaCredentialEntity } from './ra-credential.entity';

export * from './certificate-authority.entity';
export * from './ca-key.entity';
export * from './ra-credential.entity';
export * from './issued-certificate.entity';
export * from './crl.entity';
export * from './issued-certificate.repository';
export * from './certificate-authority.repository';
export * from './ra-credential.repository';
export * from './crl.repository';
export * from './ocsp-responder.entity';
export * from './ocsp-responder.repository';
export * from './certificate-revocation.repository';

/** Entities owned by signer-worker (schema `issuance`). */
export const issuanceEntities = [CertificateAuthorityEntity, CaKeyEntity, RaCredentialEntity, IssuedCertificateEntity, CrlEntity, OcspResponderEntity];
