import type { KeyObject } from 'node:crypto';
import type { CertificateInfo } from '@scep/pki';

/** Everything the gateway needs to answer for one /scep/{tenant}/{profile}, parsed once and cached. */
export interface ScepEndpoint {
  readonly tenantId: string;
  readonly tenantSlug: string;
  readonly profileId: string;
  readonly profileSlug: string;
  readonly syncWaitMs: number;
  /** The RA: decrypts requests and signs CertReps (scep-protocol.md §8.1). */
  readonly ra: { readonly certificate: CertificateInfo; readonly privateKey: KeyObject };
  readonly ca: CertificateInfo;
  /** GetCACert body: degenerate SignedData with the RA first, then the CA (§4.2). */
  readonly caCertBag: Buffer;
}
