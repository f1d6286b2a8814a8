import { signerConfig } from '../signer-config';

/**
 * The OCSP URLs written into a certificate's authorityInfoAccess (RFC 5280 §4.2.2.1): the plan's own URL, none when
 * the plan says "none", else the gateway's responder for the issuing CA (GET/POST <base>/ocsp/{tenantId}/{caId}) when a
 * base URL is configured (SIGNER_OCSP_BASE_URL, by default the CRL's SIGNER_CRL_BASE_URL).
 */
export function ocspUrls(tenantId: string, caId: string, planned?: string): string[] | undefined {
  if (planned === 'none') return undefined;
  if (planned) return [planned];
  const config = signerConfig();
  const base = config.SIGNER_OCSP_BASE_URL ?? config.SIGNER_CRL_BASE_URL;
  return base ? [`${base.replace(/\/+$/, '')}/ocsp/${tenantId}/${caId}`] : undefined;
}
