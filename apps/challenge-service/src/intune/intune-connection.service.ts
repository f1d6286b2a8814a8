import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type ChallengeSetIntuneConnection, type RpcRequest, isStaleAfter } from '@scep/contracts';
import { type IntuneConnectionEntity, IntuneConnectionRepository } from '@scep/persistence-challenge';
import { LoadingCache } from '@scep/persistence-core';
import { TenancyEvents } from '@scep/transport';
import { ChallengeServiceError } from '../challenge-errors';
import { OutboundHttp } from '../http/outbound-http';
import { ChallengeSecretBox, SecretAad } from '../secrets/secret-box';
import { IntuneApiClient } from './intune-api.client';

export type IntuneConnection = Omit<IntuneConnectionEntity, 'updatedAt'>;

const TTL_MS = 5 * 60 * 1000;
const cacheKey = (tenantId: string) => `${tenantId}/intune-connection`;

/** Tenants' Intune connections: client secret wrapped at rest, cached per tenant, dropped on tenant-wide events. */
@Injectable()
export class IntuneConnectionService implements OnModuleInit {
  private readonly cache = new LoadingCache<IntuneConnection | null>({ maxEntries: 10_000, ttlMs: () => TTL_MS });

  constructor(
    private readonly repository: IntuneConnectionRepository,
    private readonly secrets: ChallengeSecretBox,
    private readonly api: IntuneApiClient,
    private readonly events: TenancyEvents,
    private readonly outbound: OutboundHttp,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.events.subscribe((event) => this.cache.deleteWhere((key) => isStaleAfter(event, key)));
  }

  get(tenantId: string): Promise<IntuneConnection | null> {
    return this.cache.get(cacheKey(tenantId), async () => {
      const row = await this.repository.find(tenantId);
      if (!row) return null;
      return {
        tenantId: row.tenantId,
        azureTenantId: row.azureTenantId,
        clientId: row.clientId,
        clientSecretWrapped: row.clientSecretWrapped,
        loginUrl: row.loginUrl,
        graphUrl: row.graphUrl,
      };
    });
  }

  async set(request: RpcRequest<typeof ChallengeSetIntuneConnection>): Promise<Date> {
    // Microsoft's hosts only (unless the platform allow-lists another), checked again on every call.
    const targets = { loginUrl: 'intune-login', graphUrl: 'intune-graph' } as const;
    for (const field of ['loginUrl', 'graphUrl'] as const) {
      const refusal = await this.outbound.refusalOf(request[field], targets[field]);
      if (refusal) throw new ChallengeServiceError('INTUNE_URL_NOT_ALLOWED', `Intune ${field} refused: ${refusal}`, field);
    }
    const updatedAt = new Date();
    await this.repository.save({
      tenantId: request.tenantId,
      azureTenantId: request.azureTenantId,
      clientId: request.clientId,
      clientSecretWrapped: this.secrets.wrap(request.clientSecret, SecretAad.intuneClientSecret(request.tenantId)),
      loginUrl: trimTrailingSlash(request.loginUrl),
      graphUrl: trimTrailingSlash(request.graphUrl),
      updatedAt,
    });
    this.cache.delete(cacheKey(request.tenantId));
    this.api.forget(request.tenantId);
    // Tenant-wide: the connection is per tenant (other replicas drop their connection, tokens and endpoints).
    await this.events.publish({ tenantId: request.tenantId });
    return updatedAt;
  }
}

export function trimTrailingSlash(url: string): string {
  return url.replace(/\/+$/, '');
}
