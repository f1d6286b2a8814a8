import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { CONTENT_CIPHERS, type ContentCipher, buildCertsOnly } from '@scep/codec';
import { KeyWrapAad } from '@scep/contracts';
import { LoadingCache } from '@scep/persistence-core';
import { type CaRaPairRecord, ScepEndpointReader } from '@scep/persistence-read';
import { importPrivateKeyPkcs8, readCertificate, unwrapSecret } from '@scep/pki';
import { TenancyEvents } from '@scep/transport';
import { gatewayConfig } from '../gateway-config';
import type { CaGeneration, ScepEndpoint } from './scep-endpoint';

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const FOUND_TTL_MS = 5 * 60 * 1000;
/** Unknown endpoints are remembered briefly so that junk paths cannot hammer the database. */
/** Bound on remembered endpoints, known or not: random slugs evict each other, not the memory. */
const MAX_ENDPOINTS = 20_000;
const MISSING_TTL_MS = 5 * 1000;

/**
 * Tenant/profile/RA material per endpoint: one database read and one RA-key unwrap per generation and TTL, shared
 * by concurrent requests, dropped when admin-api announces a change for the tenant.
 */
@Injectable()
export class ScepEndpointCache implements OnModuleInit {
  private readonly logger = new Logger(ScepEndpointCache.name);
  private readonly config = gatewayConfig();
  private readonly entries = new LoadingCache<ScepEndpoint | undefined>({ maxEntries: MAX_ENDPOINTS, ttlMs: (endpoint) => (endpoint ? FOUND_TTL_MS : MISSING_TTL_MS) });

  constructor(
    private readonly reader: ScepEndpointReader,
    private readonly events: TenancyEvents,
  ) {}

  async onModuleInit(): Promise<void> {
    // Unknown (or still loading) endpoints may be the one just created: drop them too.
    await this.events.subscribe((event) => this.entries.deleteWhere((_key, endpoint) => !endpoint || endpoint.tenantId === event.tenantId));
  }

  async get(tenantSlug: string, profileSlug: string): Promise<ScepEndpoint | undefined> {
    if (!SLUG.test(tenantSlug) || !SLUG.test(profileSlug)) return undefined;
    return this.entries.get(`${tenantSlug}/${profileSlug}`, () => this.load(tenantSlug, profileSlug));
  }

  private async load(tenantSlug: string, profileSlug: string): Promise<ScepEndpoint | undefined> {
    const record = await this.reader.find(tenantSlug, profileSlug);
    if (!record || record.status !== 'active') return undefined;
    const generation = (pair: CaRaPairRecord): CaGeneration | undefined => {
      if (pair.raKekId !== this.config.SCEP_GATEWAY_RA_KEK_ID) {
        this.logger.error({ tenantId: record.tenantId, profileId: record.profileId, kekId: pair.raKekId }, 'RA key wrapped under an unknown KEK');
        return undefined;
      }
      const raKey = importPrivateKeyPkcs8(unwrapSecret(this.config.SCEP_GATEWAY_RA_KEK, pair.raWrappedKey, KeyWrapAad.raKey(record.tenantId, pair.raCredentialId)));
      const raCertificate = readCertificate(pair.raCertificateDer);
      const ca = readCertificate(pair.caCertificateDer);
      return { caId: pair.caId, ca, ra: { certificate: raCertificate, privateKey: raKey }, caCertBag: buildCertsOnly([raCertificate.der, ca.der]) };
    };
    const current = generation(record.generations.current);
    if (!current) return undefined;
    const next = record.generations.next ? generation(record.generations.next) : undefined;
    const previous = record.generations.previous ? generation(record.generations.previous) : undefined;
    return {
      tenantId: record.tenantId,
      tenantSlug,
      profileId: record.profileId,
      profileSlug,
      syncWaitMs: record.syncWaitMs,
      contentCiphers: record.contentCiphers.filter(isContentCipher),
      generations: { current, next, switchAt: next ? record.generations.switchAt : undefined, previous },
    };
  }
}

function isContentCipher(name: string): name is ContentCipher {
  return (CONTENT_CIPHERS as readonly string[]).includes(name);
}
