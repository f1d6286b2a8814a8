/**
 * Additional authenticated data binding each wrapped private key to its row and purpose, so that a blob copied
 * to another row (or a CA blob presented as an RA blob) fails to unwrap. Shared by the signer (wraps) and the
 * gateway (unwraps RA keys only) and the policy service (unwraps OCSP responder keys only).
 */
export const KeyWrapAad = {
  caKey: (tenantId: string, caId: string) => `scep/ca-key/v1/${tenantId}/${caId}`,
  raKey: (tenantId: string, raCredentialId: string) => `scep/ra-key/v1/${tenantId}/${raCredentialId}`,
  /** A CA's delegated OCSP responder key: wrapped by the signer, unwrapped by the policy service only (ADR 010). */
  ocspResponderKey: (tenantId: string, responderId: string) => `scep/ocsp-responder-key/v1/${tenantId}/${responderId}`,
};
