import type { KeyObject } from 'node:crypto';
import type { ContentCipher } from '@scep/codec';
import type { CertificateInfo } from '@scep/pki';
import { type EffectiveGenerations, type Generations, effectiveGenerations } from '@scep/persistence-read';

/** One CA of a profile and the RA that speaks SCEP for it (RFC 8894 §2.1.2, scep-protocol.md §8). */
export interface CaGeneration {
  readonly caId: string;
  readonly ca: CertificateInfo;
  /** Decrypts requests and signs CertReps. */
  readonly ra: { readonly certificate: CertificateInfo; readonly privateKey: KeyObject };
  /** GetCACert body for this generation: RA first, then the CA (§4.2). */
  readonly caCertBag: Buffer;
}

/** Everything the gateway needs to answer for one /scep/{tenant}/{profile}, parsed once and cached. */
export interface ScepEndpoint {
  readonly tenantId: string;
  readonly tenantSlug: string;
  readonly profileId: string;
  readonly profileSlug: string;
  readonly syncWaitMs: number;
  /** Content ciphers accepted in requests (checked before any RSA work); replies mirror the request's (never DES). */
  readonly contentCiphers: readonly ContentCipher[];
  readonly generations: Generations<CaGeneration>;
}

/** Which generation is active now, which is announced and which is retired (clock-driven, no write needed). */
export function generationsNow(endpoint: ScepEndpoint, now = new Date()): EffectiveGenerations<CaGeneration> {
  return effectiveGenerations(endpoint.generations, now);
}

/** Every generation that may still receive requests: active, announced next, retired previous. */
export function liveGenerations(endpoint: ScepEndpoint, now = new Date()): CaGeneration[] {
  const g = generationsNow(endpoint, now);
  return [g.active, g.upcoming, g.retired].filter((x): x is CaGeneration => x !== undefined);
}
