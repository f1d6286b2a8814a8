import { isIPv4, isIPv6 } from 'node:net';

/**
 * Which addresses a tenant-configured URL may never reach by default: everything that is not a public unicast
 * address. A webhook or "Intune" URL pointing there would make this service a proxy into the platform's own network
 * (databases, Redis, NATS, the cloud metadata service at 169.254.169.254) with our credentials and bodies.
 *
 * IPv4 ranges from RFC 6890's special-purpose registry; IPv6 ranges likewise, plus the forms that embed an IPv4
 * address (IPv4-mapped and -compatible, NAT64, 6to4), which are judged by the address they embed.
 */

/** A textual address parsed to its bits. */
export type ParsedAddress = { readonly family: 4; readonly value: number } | { readonly family: 6; readonly value: bigint };

interface Range4 {
  readonly base: number;
  readonly bits: number;
  readonly category: string;
}
interface Range6 {
  readonly base: bigint;
  readonly bits: number;
  readonly category: string;
}

const v4 = (cidr: string, category: string): Range4 => {
  const [address, bits] = cidr.split('/') as [string, string];
  return { base: parseIPv4(address) as number, bits: Number(bits), category };
};
const v6 = (cidr: string, category: string): Range6 => {
  const [address, bits] = cidr.split('/') as [string, string];
  return { base: parseIPv6(address) as bigint, bits: Number(bits), category };
};

const BLOCKED_V4: readonly Range4[] = [
  v4('0.0.0.0/8', 'this-network (0.0.0.0/8)'),
  v4('10.0.0.0/8', 'private (RFC 1918)'),
  v4('100.64.0.0/10', 'shared carrier-grade NAT (RFC 6598)'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local (169.254.0.0/16, cloud metadata)'),
  v4('172.16.0.0/12', 'private (RFC 1918)'),
  v4('192.0.0.0/24', 'IETF protocol assignments (192.0.0.0/24)'),
  v4('192.168.0.0/16', 'private (RFC 1918)'),
  v4('198.18.0.0/15', 'benchmarking (198.18.0.0/15)'),
  v4('224.0.0.0/4', 'multicast'),
  v4('255.255.255.255/32', 'broadcast'),
  v4('240.0.0.0/4', 'reserved (240.0.0.0/4)'),
];

const BLOCKED_V6: readonly Range6[] = [
  v6('::/128', 'unspecified (::)'),
  v6('::1/128', 'IPv6 loopback'),
  v6('fe80::/10', 'IPv6 link-local'),
  v6('fec0::/10', 'IPv6 site-local'),
  v6('fc00::/7', 'IPv6 unique local (RFC 4193)'),
  v6('ff00::/8', 'IPv6 multicast'),
  v6('100::/64', 'IPv6 discard (RFC 6666)'),
];

/** IPv6 prefixes whose last 32 bits (or bits 16..48 for 6to4) are an IPv4 address the packet ends up at. */
const MAPPED = v6('::ffff:0:0/96', '');
const COMPATIBLE = v6('::/96', '');
const NAT64 = v6('64:ff9b::/96', '');
const NAT64_LOCAL = v6('64:ff9b:1::/48', '');
const SIX_TO_FOUR = v6('2002::/16', '');

/**
 * Why `address` is not a public unicast address ("loopback", "private (RFC 1918)", …), or undefined when it is.
 * Anything that is not a valid IPv4 or IPv6 literal is refused as "not an IP address".
 */
export function nonPublicCategory(address: string): string | undefined {
  const parsed = parseAddress(address);
  if (!parsed) return 'not an IP address';
  if (parsed.family === 4) return category4(parsed.value);
  const value = parsed.value;
  // IPv4 embedded in IPv6 ([::ffff:127.0.0.1], [::127.0.0.1], NAT64, 6to4): judged by the IPv4 address it reaches.
  // ::/96 (compatible) also holds :: and ::1 themselves, which the IPv6 table names.
  if (inRange6(value, MAPPED) || inRange6(value, NAT64)) return embedded(Number(value & 0xffffffffn));
  if (inRange6(value, COMPATIBLE) && value > 1n) return embedded(Number(value & 0xffffffffn));
  if (inRange6(value, NAT64_LOCAL)) return 'NAT64 local-use (64:ff9b:1::/48)';
  if (inRange6(value, SIX_TO_FOUR)) return embedded(Number((value >> 80n) & 0xffffffffn));
  return BLOCKED_V6.find((range) => inRange6(value, range))?.category;
}

function embedded(ipv4: number): string | undefined {
  const category = category4(ipv4);
  return category ? `${category}, embedded in an IPv6 address` : undefined;
}

function category4(value: number): string | undefined {
  return BLOCKED_V4.find((range) => inRange4(value, range))?.category;
}

export function inRange4(value: number, range: { readonly base: number; readonly bits: number }): boolean {
  if (range.bits === 0) return true;
  const mask = range.bits === 32 ? 0xffffffff : (0xffffffff << (32 - range.bits)) >>> 0;
  return ((value & mask) >>> 0) === ((range.base & mask) >>> 0);
}

export function inRange6(value: bigint, range: { readonly base: bigint; readonly bits: number }): boolean {
  const shift = BigInt(128 - range.bits);
  return value >> shift === range.base >> shift;
}

/** Parses an IPv4 or IPv6 literal (brackets allowed, zone ids refused); undefined for anything else. */
export function parseAddress(text: string): ParsedAddress | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (isIPv4(bare)) return { family: 4, value: parseIPv4(bare) as number };
  if (isIPv6(bare) && !bare.includes('%')) {
    const value = parseIPv6(bare);
    return value === undefined ? undefined : { family: 6, value };
  }
  return undefined;
}

/** Strict dotted-quad (what URL parsing and DNS produce; decimal/octal/hex spellings are normalised by URL first). */
function parseIPv4(text: string): number | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.reduce((acc, p) => acc * 256 + Number(p), 0);
}

function parseIPv6(text: string): bigint | undefined {
  let head = text;
  let tail: number[] = [];
  const dotted = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (dotted) {
    const ipv4 = parseIPv4(dotted[1] as string);
    if (ipv4 === undefined) return undefined;
    tail = [ipv4 >>> 16, ipv4 & 0xffff];
    head = text.slice(0, -(dotted[1] as string).length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return undefined;
  const words = (part: string | undefined) => (part ? part.split(':').map((w) => Number.parseInt(w, 16)) : []);
  const left = words(halves[0]);
  const right = [...words(halves[1]), ...tail];
  const missing = 8 - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  const all = [...left, ...Array<number>(halves.length === 2 ? missing : 0).fill(0), ...right];
  if (all.length !== 8 || all.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffff)) return undefined;
  return all.reduce((acc, w) => (acc << 16n) | BigInt(w), 0n);
}
