import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type ChallengeConfigure, type ChallengeMode, type RpcRequest, isStaleAfter, profileCacheKey } from '@scep/contracts';
import { ProfileChallengeSettingsRepository } from '@scep/persistence-challenge';
import { LoadingCache } from '@scep/persistence-core';
import { TenancyEvents } from '@scep/transport';
import { ChallengeServiceError } from '../challenge-errors';
import { OutboundHttp } from '../http/outbound-http';
import { ChallengeSecretBox, SecretAad } from '../secrets/secret-box';

export interface WebhookSettings {
  readonly url: string;
  /** The HMAC key, still wrapped: unwrapped only for the moment of a call. */
  readonly secretWrapped: Buffer;
  readonly timeoutMs: number;
}

/** How one profile's challenges are checked. */
export interface ProfileChallengeSettings {
  readonly mode: ChallengeMode;
  readonly dynamicDefaultTtlSeconds: number;
  readonly webhook?: WebhookSettings;
}

/** A profile that was never configured keeps the behaviour it had before modes existed. */
const DEFAULT_SETTINGS: ProfileChallengeSettings = { mode: 'static', dynamicDefaultTtlSeconds: 3600 };

/** Safety net if an invalidation event is lost; changes are normally seen at once through TenancyEvents. */
const TTL_MS = 5 * 60 * 1000;

/** Per-profile challenge settings: cached on the verify path, written by ChallengeConfigure. */
@Injectable()
export class ChallengeSettingsService implements OnModuleInit {
  private readonly cache = new LoadingCache<ProfileChallengeSettings>({ maxEntries: 100_000, ttlMs: () => TTL_MS });

  constructor(
    private readonly repository: ProfileChallengeSettingsRepository,
    private readonly secrets: ChallengeSecretBox,
    private readonly events: TenancyEvents,
    private readonly outbound: OutboundHttp,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.events.subscribe((event) => this.cache.deleteWhere((key) => isStaleAfter(event, key)));
  }

  get(tenantId: string, profileId: string): Promise<ProfileChallengeSettings> {
    return this.cache.get(profileCacheKey(tenantId, profileId), async () => {
      const row = await this.repository.find(tenantId, profileId);
      if (!row) return DEFAULT_SETTINGS;
      const webhook =
        row.webhookUrl && row.webhookSecretWrapped && row.webhookTimeoutMs
          ? { url: row.webhookUrl, secretWrapped: row.webhookSecretWrapped, timeoutMs: row.webhookTimeoutMs }
          : undefined;
      return { mode: row.mode, dynamicDefaultTtlSeconds: row.dynamicDefaultTtlSeconds, webhook };
    });
  }

  /** Replaces the profile's settings as a whole (a webhook not given is removed) and tells every replica. */
  async configure(request: RpcRequest<typeof ChallengeConfigure>): Promise<{ mode: ChallengeMode; updatedAt: Date }> {
    const { tenantId, profileId, mode, webhook } = request;
    if (mode === 'webhook' && !webhook) throw new ChallengeServiceError('WEBHOOK_SETTINGS_REQUIRED', 'webhook mode needs webhook settings', 'webhook');
    // Refused now where it can be decided now; every call checks again (DNS may change between now and then).
    const refusal = webhook ? await this.outbound.refusalOf(webhook.url, 'webhook') : undefined;
    if (refusal) throw new ChallengeServiceError('WEBHOOK_URL_NOT_ALLOWED', `webhook URL refused: ${refusal}`, 'webhook.url');
    const updatedAt = new Date();
    await this.repository.save({
      tenantId,
      profileId,
      mode,
      dynamicDefaultTtlSeconds: request.dynamicDefaultTtlSeconds,
      webhookUrl: webhook?.url ?? null,
      webhookSecretWrapped: webhook ? this.secrets.wrap(webhook.secret, SecretAad.webhookSecret(tenantId, profileId)) : null,
      webhookTimeoutMs: webhook?.timeoutMs ?? null,
      updatedAt,
    });
    this.cache.delete(profileCacheKey(tenantId, profileId));
    await this.events.publish({ tenantId, profileId });
    return { mode, updatedAt };
  }
}
