import { isAllowedOutboundUrl } from '../challenge-errors';
import { type ParsedAddress, inRange4, inRange6, nonPublicCategory, parseAddress } from './address-ranges';

/** What a tenant-configured URL is for; Intune endpoints are also held to Microsoft's host names. */
export type OutboundTarget = 'webhook' | 'intune-login' | 'intune-graph' | 'intune-service';

/**
 * Microsoft's hosts per Intune endpoint, for the global cloud and the national clouds, as Microsoft documents them
 * ("Microsoft Graph national cloud deployments": login.microsoftonline.com / .us, login.chinacloudapi.cn;
 * graph.microsoft.com, graph.microsoft.us, dod-graph.microsoft.us, microsoftgraph.chinacloudapi.cn; "Network
 * endpoints for Microsoft Intune" and its US Government and China pages: *.manage.microsoft.com, *.manage.microsoft.us,
 * *.manage.microsoftonline.cn). A leading "*." matches any subdomain, not the domain itself.
 */
export const MICROSOFT_HOSTS: Readonly<Record<Exclude<OutboundTarget, 'webhook'>, readonly string[]>> = {
  'intune-login': ['login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn'],
  'intune-graph': ['graph.microsoft.com', 'graph.microsoft.us', 'dod-graph.microsoft.us', 'microsoftgraph.chinacloudapi.cn'],
  'intune-service': ['*.manage.microsoft.com', '*.manage.microsoft.us', '*.manage.microsoftonline.cn'],
};

/** One platform allow-list entry: a host name or an address range, on one port or (no port) any. */
export type AllowEntry =
  | { readonly kind: 'host'; readonly host: string; readonly port?: number }
  | { readonly kind: 'cidr'; readonly family: 4 | 6; readonly base: number | bigint; readonly bits: number; readonly port?: number };

export interface OutboundPolicyOptions {
  /** Platform operator's exceptions (CHALLENGE_OUTBOUND_ALLOW). */
  readonly allow: readonly AllowEntry[];
  /** Development only (CHALLENGE_OUTBOUND_ALLOW_PRIVATE): non-public addresses on any port, any host name. */
  readonly allowPrivate: boolean;
}

/** A URL that passed the checks that need no DNS: where to connect, and to which port. */
export interface OutboundDestination {
  readonly url: URL;
  /** Host name without brackets (an IPv6 literal is bare). */
  readonly host: string;
  readonly port: number;
  /** The address when the host is an IP literal (no DNS then). */
  readonly literal?: string;
}

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const HTTPS_PORT = 443;

/**
 * Decides where tenant-configured URLs may lead (webhooks, Intune endpoints). By default: https on port 443 to public
 * unicast addresses (for Intune, on Microsoft's hosts); plain http only to loopback, which itself needs the platform
 * to allow it. Every refusal reason says why without echoing the URL (its path or query may hold a secret) or what a
 * host name resolved to (tenants learn nothing about the platform's internal DNS).
 */
export class OutboundPolicy {
  constructor(private readonly options: OutboundPolicyOptions) {}

  /** Checks that need no DNS: syntax, scheme, port, Microsoft host names, and the address of an IP literal. */
  checkUrl(raw: string, target: OutboundTarget): Checked<OutboundDestination> {
    if (!isAllowedOutboundUrl(raw)) return refuse('must be https (plain http only to a loopback address), without credentials');
    const url = new URL(raw);
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? HTTPS_PORT : 80;
    const literal = parseAddress(host) ? host : undefined;
    const destination: OutboundDestination = { url, host: host.toLowerCase(), port, ...(literal ? { literal } : {}) };
    if (this.hostAllowListed(destination.host, port)) return { ok: true, value: destination };
    if (literal) {
      const refusal = this.addressRefusal(destination, literal, target, 'the address is');
      return refusal ? refuse(refusal) : { ok: true, value: destination };
    }
    // A name: its addresses are judged when it is resolved; what the name and port alone decide is decided now (unless
    // an exception could still admit its addresses: the development flag, or an allow-listed range).
    const exceptionPossible = this.options.allowPrivate || this.anyRangeAllowsPort(port);
    if (port !== HTTPS_PORT && !exceptionPossible) return refuse(`port ${port} is not allowed (443 only)`);
    if (target !== 'webhook' && !isMicrosoftHost(destination.host, target) && !exceptionPossible) return refuse(notMicrosoft(target));
    return { ok: true, value: destination };
  }

  /**
   * Checks every address the host resolved to (all of them: a client may connect to any). An allow-listed host name
   * is trusted whatever it resolves to; otherwise each address must be allowed on the port.
   */
  checkAddresses(destination: OutboundDestination, addresses: readonly string[], target: OutboundTarget): Checked<readonly string[]> {
    if (addresses.length === 0) return refuse('the host has no address');
    if (this.hostAllowListed(destination.host, destination.port)) return { ok: true, value: addresses };
    for (const address of addresses) {
      const refusal = this.addressRefusal(destination, address, target, destination.literal ? 'the address is' : 'the host resolves to');
      if (refusal) return refuse(refusal);
    }
    return { ok: true, value: addresses };
  }

  /** Why connecting to `address` for this destination is refused (`subject` starts the sentence), or undefined. */
  private addressRefusal(destination: OutboundDestination, address: string, target: OutboundTarget, subject: string): string | undefined {
    const parsed = parseAddress(address);
    if (!parsed) return `${subject} not an IP address`;
    if (this.rangeAllowListed(parsed, destination.port)) return undefined;
    const category = nonPublicCategory(address);
    if (destination.url.protocol === 'http:' && category !== 'loopback' && category !== 'IPv6 loopback') {
      return `${subject} ${withArticle(category ?? 'public')} address (plain http only to a loopback address)`;
    }
    if (category !== undefined) return this.options.allowPrivate ? undefined : `${subject} ${withArticle(category)} address`;
    if (destination.port !== HTTPS_PORT) return `port ${destination.port} is not allowed (443 only)`;
    if (target !== 'webhook' && !isMicrosoftHost(destination.host, target)) return notMicrosoft(target);
    return undefined;
  }

  private hostAllowListed(host: string, port: number): boolean {
    return this.options.allow.some((e) => e.kind === 'host' && e.host === host && (e.port === undefined || e.port === port));
  }

  private rangeAllowListed(address: ParsedAddress, port: number): boolean {
    return this.options.allow.some((e) => {
      if (e.kind !== 'cidr' || e.family !== address.family || (e.port !== undefined && e.port !== port)) return false;
      return address.family === 4 ? inRange4(address.value, { base: e.base as number, bits: e.bits }) : inRange6(address.value, { base: e.base as bigint, bits: e.bits });
    });
  }

  /** Whether some allow-listed range admits this port (the name's addresses are judged once resolved). */
  private anyRangeAllowsPort(port: number): boolean {
    return this.options.allow.some((e) => e.kind === 'cidr' && (e.port === undefined || e.port === port));
  }
}

export function isMicrosoftHost(host: string, target: Exclude<OutboundTarget, 'webhook'>): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return MICROSOFT_HOSTS[target].some((pattern) => (pattern.startsWith('*.') ? name.endsWith(pattern.slice(1)) && name.length > pattern.length - 1 : name === pattern));
}

/**
 * Parses CHALLENGE_OUTBOUND_ALLOW: comma-separated `host:port`, `host`, `CIDR[:port]` or `[IPv6-CIDR]:port` entries
 * (e.g. `hooks.internal.example:8443,10.1.2.0/24:443,[fd00:1::/64]:8443,127.0.0.0/8`). Throws on a malformed entry.
 */
export function parseAllowList(text: string): AllowEntry[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, index) => parseAllowEntry(entry, index + 1));
}

/** Errors name the entry by position (configuration errors never print values). */
function parseAllowEntry(entry: string, position: number): AllowEntry {
  let target = entry;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) {
    target = bracketed[1] as string;
    portText = bracketed[2];
  } else if ((entry.match(/:/g) ?? []).length === 1) {
    [target, portText] = entry.split(':') as [string, string];
  }
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) throw new Error(`entry ${position}: bad port`);
  const [address, bitsText, extra] = target.split('/');
  const parsed = parseAddress(address as string);
  if (parsed) {
    const max = parsed.family === 4 ? 32 : 128;
    const bits = bitsText === undefined ? max : Number(bitsText);
    if (extra !== undefined || !(Number.isInteger(bits) && bits >= 0 && bits <= max)) throw new Error(`entry ${position}: bad prefix length`);
    return { kind: 'cidr', family: parsed.family, base: parsed.value, bits, ...(port !== undefined ? { port } : {}) };
  }
  if (bitsText !== undefined || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(target)) {
    throw new Error(`entry ${position} is neither host[:port] nor CIDR[:port]`);
  }
  return { kind: 'host', host: target.toLowerCase(), ...(port !== undefined ? { port } : {}) };
}

function notMicrosoft(target: Exclude<OutboundTarget, 'webhook'>): string {
  return `the host is not a Microsoft ${target.slice('intune-'.length)} host`;
}

function refuse(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}

function withArticle(category: string): string {
  return /^[aeiouAEIOU]/.test(category) ? `an ${category}` : `a ${category}`;
}
