import { isIP } from 'node:net';

/** What the gateway believes of X-Forwarded-For (docs/adr/008-abuse-and-client-addresses.md). */
export type ProxyTrust =
  /** No proxy in front: the socket's peer is the client. */
  | { readonly kind: 'none' }
  /** This many reverse proxies in front, each appending to X-Forwarded-For. */
  | { readonly kind: 'hops'; readonly hops: number }
  /** Proxies at these addresses/CIDRs are believed; the first untrusted address from the right is the client. */
  | { readonly kind: 'cidrs'; readonly cidrs: readonly string[] };

/** The trust setting in the form Fastify (proxy-addr) takes. */
export function fastifyTrustProxy(trust: ProxyTrust): boolean | number | string[] {
  switch (trust.kind) {
    case 'none':
      return false;
    case 'hops':
      return trust.hops;
    case 'cidrs':
      return [...trust.cidrs];
  }
}

/**
 * The client's address as rate limits and audit records use it: what the proxy-trust rules yielded, when that is a
 * well-formed IP address; otherwise (garbage or a forged oversize X-Forwarded-For relayed by a trusted proxy) the
 * socket's peer, so that nothing the client writes can become an arbitrary string. IPv4-mapped IPv6 addresses are
 * written as IPv4, so one client has one address.
 */
export function clientAddressOf(derived: string | undefined, socketPeer: string | undefined): string {
  const candidate = normalise(derived);
  if (candidate) return candidate;
  return normalise(socketPeer) ?? 'unknown';
}

function normalise(address: string | undefined): string | undefined {
  if (!address || address.length > 45) return undefined;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  const value = mapped ? (mapped[1] as string) : address;
  return isIP(value) ? value.toLowerCase() : undefined;
}
