import { lookup as dnsLookup } from 'node:dns/promises';
import { type LookupFunction, isIPv6 } from 'node:net';
import { Inject, Injectable } from '@nestjs/common';
import { Agent, request as undiciRequest } from 'undici';
import { type ChallengeConfig, challengeConfig } from '../challenge-config';
import { ChallengeMetrics } from '../metrics/challenge-metrics';
import { type LimitRefusal, type OutboundLimits, OutboundLimiter } from './outbound-limiter';
import { type OutboundDestination, OutboundPolicy, type OutboundTarget } from './outbound-policy';

/**
 * How an outbound HTTP exchange failed; none of these carries a URL, header or body (they may hold secrets).
 * `refused`: the destination is not allowed (see OutboundPolicy); `rate-limited`: over a per-tenant or replica limit.
 */
export type OutboundFailure = 'timeout' | 'network' | 'too-large' | 'refused' | 'rate-limited';

export class OutboundHttpError extends Error {
  constructor(
    readonly failure: OutboundFailure,
    /** For `refused`: why, in words safe to log and to show an operator (no URL, no resolved address). */
    readonly reason?: string,
  ) {
    super(`outbound HTTP ${failure}`);
    this.name = 'OutboundHttpError';
  }
}

export interface OutboundRequest {
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** Bounds the whole exchange (DNS, connection, answer and body). */
  readonly signal: AbortSignal;
  /** Answers longer than this are refused (a validator is not a download). */
  readonly maxResponseBytes?: number;
  /** Whose configuration the URL is: limits are per tenant. */
  readonly tenantId: string;
  /** What the URL is for (the rules differ for Intune's endpoints). */
  readonly target: OutboundTarget;
}

export interface OutboundResponse {
  readonly status: number;
  readonly text: string;
}

/** Resolves a host name to every address it has (the policy checks them all). */
export type HostResolver = (hostname: string) => Promise<string[]>;

export interface OutboundSettings {
  readonly policy: OutboundPolicy;
  readonly limits: OutboundLimits;
  readonly resolve: HostResolver;
}

export const OUTBOUND_SETTINGS = Symbol('OUTBOUND_SETTINGS');

export const systemResolver: HostResolver = async (hostname) => (await dnsLookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);

export function outboundSettingsFromConfig(config: ChallengeConfig, resolve: HostResolver = systemResolver): OutboundSettings {
  return {
    policy: new OutboundPolicy({ allow: config.CHALLENGE_OUTBOUND_ALLOW, allowPrivate: config.CHALLENGE_OUTBOUND_ALLOW_PRIVATE === 'true' }),
    limits: {
      perTenantConcurrency: config.CHALLENGE_OUTBOUND_CONCURRENCY_PER_TENANT,
      perTenantPerSecond: config.CHALLENGE_OUTBOUND_RATE_PER_TENANT,
      globalConcurrency: config.CHALLENGE_OUTBOUND_CONCURRENCY,
      globalPerSecond: config.CHALLENGE_OUTBOUND_RATE,
    },
    resolve,
  };
}

export const outboundSettingsProvider = { provide: OUTBOUND_SETTINGS, useFactory: () => outboundSettingsFromConfig(challengeConfig()) };

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;
/** How long a configuration write waits for DNS before leaving the address check to call time. */
const CONFIGURE_RESOLVE_MS = 2000;

/**
 * Every call to a tenant-configured URL goes through here: admitted by the per-tenant and replica limits, the
 * destination checked (OutboundPolicy), the host name resolved ONCE and every address checked, and the connection
 * made to those checked addresses only — the connector's lookup answers with them, so no second DNS query can
 * point it elsewhere (DNS rebinding). TLS still verifies the certificate against the host name (SNI from the URL).
 * Never follows redirects: a validator that redirects would receive signed bodies and bearer tokens somewhere else.
 * Throws OutboundHttpError for refusals, timeouts, connection errors and oversized answers; any status is returned.
 */
@Injectable()
export class OutboundHttp {
  private readonly policy: OutboundPolicy;
  private readonly limiter: OutboundLimiter;
  private readonly resolve: HostResolver;

  constructor(
    private readonly metrics: ChallengeMetrics,
    @Inject(OUTBOUND_SETTINGS) settings: OutboundSettings,
  ) {
    this.policy = settings.policy;
    this.limiter = new OutboundLimiter(settings.limits);
    this.resolve = settings.resolve;
  }

  /**
   * The refusal of a URL being configured, or undefined. Decides what it can now (syntax, scheme, port, Microsoft
   * hosts, an IP literal's address, a resolvable name's addresses); a name that does not resolve yet is left to the
   * check every call makes.
   */
  async refusalOf(raw: string, target: OutboundTarget): Promise<string | undefined> {
    const checked = this.policy.checkUrl(raw, target);
    if (!checked.ok) return checked.reason;
    if (checked.value.literal) return undefined;
    let addresses: string[];
    try {
      addresses = await withDeadline(this.resolve(checked.value.host), CONFIGURE_RESOLVE_MS);
    } catch {
      return undefined;
    }
    const judged = this.policy.checkAddresses(checked.value, addresses, target);
    return judged.ok ? undefined : judged.reason;
  }

  /** Whether a URL passes the checks that need no DNS (e.g. a discovered endpoint, before it is cached). */
  allowsUrl(raw: string, target: OutboundTarget): boolean {
    return this.policy.checkUrl(raw, target).ok;
  }

  async send(url: string, request: OutboundRequest): Promise<OutboundResponse> {
    const purpose = request.target === 'webhook' ? 'webhook' : 'intune';
    const admitted = this.limiter.tryAcquire(request.tenantId);
    if (typeof admitted !== 'function') {
      this.metrics.outboundRefused(purpose, admitted satisfies LimitRefusal);
      throw new OutboundHttpError('rate-limited');
    }
    try {
      const destination = await this.destination(url, request);
      return await this.exchange(destination.value, destination.addresses, request);
    } catch (error) {
      if (error instanceof OutboundHttpError && error.failure === 'refused') this.metrics.outboundRefused(purpose, 'destination');
      throw error;
    } finally {
      admitted();
    }
  }

  /** The checked destination and the addresses the connection may use (resolved once, here). */
  private async destination(url: string, request: OutboundRequest): Promise<{ value: OutboundDestination; addresses: readonly string[] }> {
    const checked = this.policy.checkUrl(url, request.target);
    if (!checked.ok) throw new OutboundHttpError('refused', checked.reason);
    if (checked.value.literal) return { value: checked.value, addresses: [checked.value.literal] };
    let resolved: string[];
    try {
      resolved = await abortable(this.resolve(checked.value.host), request.signal);
    } catch {
      throw new OutboundHttpError(request.signal.aborted ? 'timeout' : 'network');
    }
    const judged = this.policy.checkAddresses(checked.value, resolved, request.target);
    if (!judged.ok) throw new OutboundHttpError('refused', judged.reason);
    return { value: checked.value, addresses: judged.value };
  }

  private async exchange(destination: OutboundDestination, addresses: readonly string[], request: OutboundRequest): Promise<OutboundResponse> {
    // One agent per call: its connections can only ever go to this call's checked addresses.
    const agent = new Agent({ connect: { lookup: pinnedLookup(addresses) }, connections: 1 });
    const limit = request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    try {
      const response = await undiciRequest(destination.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: request.signal,
        dispatcher: agent,
      });
      return { status: response.statusCode, text: await readBounded(response.body, response.headers['content-length'], limit) };
    } catch (error) {
      if (error instanceof OutboundHttpError) throw error;
      throw new OutboundHttpError(request.signal.aborted ? 'timeout' : 'network');
    } finally {
      void agent.destroy().catch(() => undefined);
    }
  }
}

/** A lookup that answers only with the addresses already checked, whatever it is asked. */
export function pinnedLookup(addresses: readonly string[]): LookupFunction {
  const entries = addresses.map((address) => ({ address, family: isIPv6(address) ? 6 : 4 }));
  return (_hostname, options, callback) => {
    const wanted = options.family === 4 || options.family === 6 ? entries.filter((e) => e.family === options.family) : entries;
    const first = wanted[0];
    if (!first) {
      callback(Object.assign(new Error('no checked address of that family'), { code: 'ENOTFOUND' }), '', 0);
      return;
    }
    if (options.all) (callback as unknown as (error: null, addresses: Array<{ address: string; family: number }>) => void)(null, wanted);
    else callback(null, first.address, first.family);
  };
}

async function readBounded(body: AsyncIterable<Buffer> & { destroy(): unknown }, declaredLength: string | string[] | undefined, limit: number): Promise<string> {
  if (Number(declaredLength ?? Number.NaN) > limit) {
    body.destroy();
    throw new OutboundHttpError('too-large');
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > limit) {
      body.destroy();
      throw new OutboundHttpError('too-large');
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  return abortable(promise, AbortSignal.timeout(ms));
}

/** Parses JSON without throwing (validators answer garbage sometimes). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
