import { signerConfig } from '../signer-config';

/** The CRL URL of a CA as the gateway serves it (GET /crl/{tenantId}/{caId}.crl), or none when not configured. */
export function crlDistributionPoints(tenantId: string, caId: string): string[] | undefined {
  const base = signerConfig().SIGNER_CRL_BASE_URL;
  return base ? [`${base.replace(/\/+$/, '')}/crl/${tenantId}/${caId}.crl`] : undefined;
}
