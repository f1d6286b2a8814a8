import { isIPv4, isIPv6 } from 'node:net';

/**
 * The rate-limit identity of a client address. IPv4 (also IPv4-mapped IPv6, as Node reports it on dual-stack
 * sockets) counts per address; IPv6 per /64, because one host usually owns a whole /64 and could otherwise rotate
 * through 2^64 addresses. Anything unparseable counts as itself, lower-cased.
 */
export function clientRateKey(address: string): string {
  const trimmed = address.trim().toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(trimmed);
  if (mapped?.[1] && isIPv4(mapped[1])) return mapped[1];
  if (isIPv4(trimmed)) return trimmed;
  if (isIPv6(trimmed)) return `${expandIpv6(trimmed).slice(0, 4).join(':')}::/64`;
  return trimmed;
}

/** The eight 16-bit groups of an IPv6 address (zone ids dropped, embedded IPv4 converted). */
function expandIpv6(address: string): string[] {
  let text = address.replace(/%.*$/, '');
  const ipv4Tail = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (ipv4Tail?.[1]) {
    const [a, b, c, d] = ipv4Tail[1].split('.').map(Number);
    text = `${text.slice(0, -ipv4Tail[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].map((group) => Number.parseInt(group || '0', 16).toString(16));
}
