import type { ConnectionOptions } from 'nats';
import { natsInboxPrefix } from './nats-permissions';
import { type TransportConfig, transportConfig } from './transport-config';

/**
 * How every NATS connection of the platform connects and heals: it never gives up reconnecting (the client's
 * default stops after 10 attempts, after which a service stayed broken until restarted), waits for a server that
 * is not up yet at start, and pings often enough to notice a dead server within seconds. While disconnected,
 * publishes are buffered (bounded) and requests time out, which callers map to "unavailable" (HTTP 503).
 */
export function natsConnectionOptions(name: string, config: TransportConfig = transportConfig()): ConnectionOptions {
  return {
    servers: config.NATS_URL.split(',').map((s) => s.trim()).filter(Boolean),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    reconnectJitter: 250,
    waitOnFirstConnect: true,
    pingInterval: 10_000,
    maxPingOut: 2,
    timeout: 5_000,
    // No stack captured per request for a timeout error nobody reads (an Error per call, ~1% of the gateway's CPU).
    noAsyncTraces: true,
    ...natsIdentity(config),
  };
}

/**
 * Who the process is to NATS (docs/adr/009-least-privilege-between-services.md): with NATS_USER, it authenticates
 * and takes its replies on inboxes named after that user, the only inboxes the server lets it subscribe to.
 * Without it, nothing changes (a local NATS without authorization, the shared `_INBOX` prefix).
 */
function natsIdentity(config: TransportConfig): Pick<ConnectionOptions, 'user' | 'pass' | 'inboxPrefix'> {
  if (!config.NATS_USER) return {};
  return { user: config.NATS_USER, pass: config.NATS_PASSWORD, inboxPrefix: natsInboxPrefix(config.NATS_USER) };
}
