import { randomUUID } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { z } from 'zod';
import { LoadingCache } from '@scep/persistence-core';
import { TenancyEvents } from '@scep/transport';
import { OutboundHttp, OutboundHttpError, parseJson } from '../http/outbound-http';
import { ChallengeSecretBox, SecretAad } from '../secrets/secret-box';
import { IntuneCallError, type IntuneStage } from './intune-call-error';
import type { IntuneConnection } from './intune-connection.service';

/** Intune's first-party application id, whose service principal lists the Intune service endpoints. */
export const INTUNE_APP_ID = '0000000a-0000-0000-c000-000000000000';
export const INTUNE_VALIDATION_SERVICE = 'ScepRequestValidationFEService';
/** OAuth scope of the Intune API (application permission scep_challenge_provider). */
export const INTUNE_SCOPE = 'https://api.manage.microsoft.com/.default';
export const INTUNE_API_VERSION = '2018-02-20';
/** Identifies this CA to Intune (callerInfo in bodies, User-Agent header); shown in Microsoft's logs. */
export const INTUNE_CALLER_INFO = 'scep-platform/0.1';

export type IntuneScepAction = 'validateRequest' | 'successNotification' | 'failureNotification';

/** Intune's answer to a ScepActions call: "Success" or an error code (scep-protocol.md §12.2). */
export interface IntuneScepAnswer {
  readonly code: string;
  readonly errorDescription?: string;
  /** Our client-request-id: Microsoft support correlates with it. */
  readonly activityId: string;
}

interface AccessToken {
  readonly value: string;
  readonly expiresAt: number;
}

const tokenAnswer = z.object({ access_token: z.string().min(1), expires_in: z.coerce.number().positive() });
const oauthError = z.object({ error: z.string().max(100) });
const endpointsAnswer = z.object({ value: z.array(z.object({ providerName: z.string().optional(), uri: z.string().optional() }).passthrough()) });
const scepAnswer = z.object({ code: z.string().min(1).max(200), errorDescription: z.string().nullish() });

/** Where the Intune endpoint moves (rarely): rediscover after this, or at once after a failed call. */
const ENDPOINT_TTL_MS = 60 * 60 * 1000;

/**
 * The Intune SCEP validation API over HTTP (scep-protocol.md §12.2): client-credentials tokens per tenant and scope,
 * the validation service's URI discovered through Microsoft Graph, and the ScepActions calls. Tokens and endpoints
 * are cached per tenant (tokens until shortly before they expire) and dropped when the tenant's connection changes.
 */
@Injectable()
export class IntuneApiClient implements OnModuleInit {
  private readonly tokens = new LoadingCache<AccessToken>({ maxEntries: 10_000, ttlMs: (token) => Math.max(0, token.expiresAt - Date.now()) });
  private readonly endpoints = new LoadingCache<string>({ maxEntries: 10_000, ttlMs: () => ENDPOINT_TTL_MS });

  constructor(
    private readonly secrets: ChallengeSecretBox,
    private readonly events: TenancyEvents,
    private readonly outbound: OutboundHttp,
  ) {}

  async onModuleInit(): Promise<void> {
    // A connection is per tenant, so only tenant-wide events concern it.
    await this.events.subscribe((event) => {
      if (!event.profileId) this.forget(event.tenantId);
    });
  }

  /** Drops the tenant's tokens and endpoint (its connection changed). */
  forget(tenantId: string): void {
    const prefix = `${tenantId}/`;
    this.tokens.deleteWhere((key) => key.startsWith(prefix));
    this.endpoints.deleteWhere((key) => key.startsWith(prefix));
  }

  /** POSTs `{serviceUri}/ScepActions/{action}`; throws IntuneCallError unless Intune answered with a code. */
  async scepAction(connection: IntuneConnection, action: IntuneScepAction, body: object, signal: AbortSignal): Promise<IntuneScepAnswer> {
    const serviceUri = await this.serviceUri(connection, signal);
    const token = await this.token(connection, INTUNE_SCOPE, signal);
    const activityId = randomUUID();
    let status: number;
    let text: string;
    try {
      ({ status, text } = await this.outbound.send(`${serviceUri}/ScepActions/${action}`, {
        tenantId: connection.tenantId,
        target: 'intune-service',
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'api-version': INTUNE_API_VERSION,
          'client-request-id': activityId,
          'Content-Type': 'application/json',
          'User-Agent': INTUNE_CALLER_INFO,
        },
        body: JSON.stringify(body),
        signal,
      }));
    } catch (error) {
      // Microsoft's client libraries rediscover after a failed call: the service may have moved.
      this.endpoints.delete(endpointKey(connection.tenantId));
      throw transportError('service', error);
    }
    if (status === 401) this.tokens.delete(tokenKey(connection.tenantId, INTUNE_SCOPE));
    if (status === 404) this.endpoints.delete(endpointKey(connection.tenantId));
    if (status < 200 || status >= 300) throw new IntuneCallError('service', 'status', status);
    const answer = scepAnswer.safeParse(parseJson(text));
    if (!answer.success) throw new IntuneCallError('service', 'bad-answer', status);
    return { code: answer.data.code, errorDescription: answer.data.errorDescription ?? undefined, activityId };
  }

  /** The URI of ScepRequestValidationFEService from the Intune service principal's endpoints (Microsoft Graph v1.0). */
  private serviceUri(connection: IntuneConnection, signal: AbortSignal): Promise<string> {
    return this.endpoints.get(endpointKey(connection.tenantId), async () => {
      const token = await this.token(connection, `${connection.graphUrl}/.default`, signal);
      let status: number;
      let text: string;
      try {
        ({ status, text } = await this.outbound.send(`${connection.graphUrl}/v1.0/servicePrincipals/appId=${INTUNE_APP_ID}/endpoints`, {
          tenantId: connection.tenantId,
          target: 'intune-graph',
          method: 'GET',
          headers: { Authorization: `Bearer ${token}`, 'client-request-id': randomUUID(), Accept: 'application/json' },
          signal,
          maxResponseBytes: 1024 * 1024,
        }));
      } catch (error) {
        throw transportError('discovery', error);
      }
      if (status === 401) this.tokens.delete(tokenKey(connection.tenantId, `${connection.graphUrl}/.default`));
      if (status < 200 || status >= 300) throw new IntuneCallError('discovery', 'status', status);
      const answer = endpointsAnswer.safeParse(parseJson(text));
      if (!answer.success) throw new IntuneCallError('discovery', 'bad-answer', status);
      const entry = answer.data.value.find((e) => e.providerName?.toLowerCase() === INTUNE_VALIDATION_SERVICE.toLowerCase());
      // Graph is trusted, but the URI still gets the rules of a configured Intune URL (Microsoft's service hosts, https
      // on 443; the call checks its addresses too): bearer tokens go there. A refused one is not cached.
      if (!entry?.uri || !this.outbound.allowsUrl(entry.uri, 'intune-service')) throw new IntuneCallError('discovery', 'no-endpoint');
      return entry.uri.replace(/\/+$/, '');
    });
  }

  /** OAuth 2.0 client credentials (Microsoft identity platform v2.0), cached until shortly before expiry. */
  private token(connection: IntuneConnection, scope: string, signal: AbortSignal): Promise<string> {
    return this.tokens
      .get(tokenKey(connection.tenantId, scope), async () => {
        const clientSecret = this.secrets.unwrap(connection.clientSecretWrapped, SecretAad.intuneClientSecret(connection.tenantId));
        const form = new URLSearchParams({ client_id: connection.clientId, client_secret: clientSecret, scope, grant_type: 'client_credentials' });
        let status: number;
        let text: string;
        try {
          ({ status, text } = await this.outbound.send(`${connection.loginUrl}/${encodeURIComponent(connection.azureTenantId)}/oauth2/v2.0/token`, {
            tenantId: connection.tenantId,
            target: 'intune-login',
            method: 'POST',
            headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
            body: form.toString(),
            signal,
          }));
        } catch (error) {
          throw transportError('token', error);
        }
        if (status < 200 || status >= 300) {
          const error = oauthError.safeParse(parseJson(text));
          throw new IntuneCallError('token', 'status', status, error.success ? error.data.error : undefined);
        }
        const answer = tokenAnswer.safeParse(parseJson(text));
        if (!answer.success) throw new IntuneCallError('token', 'bad-answer', status);
        const lifetimeMs = answer.data.expires_in * 1000;
        // Renew well before expiry (a token that expires in flight fails the call): 5 minutes, or half a short life.
        return { value: answer.data.access_token, expiresAt: Date.now() + lifetimeMs - Math.min(5 * 60 * 1000, lifetimeMs / 2) };
      })
      .then((token) => token.value);
  }
}

const tokenKey = (tenantId: string, scope: string) => `${tenantId}/token/${scope}`;
const endpointKey = (tenantId: string) => `${tenantId}/endpoint`;

function transportError(stage: IntuneStage, error: unknown): IntuneCallError {
  return new IntuneCallError(stage, error instanceof OutboundHttpError ? error.failure : 'network');
}
