import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/** A comma-separated list of IP addresses and CIDRs, as written (`entries`) and as a matcher (`matches`). */
export interface AddressList {
  readonly entries: readonly string[];
  matches(address: string): boolean;
}

/** Config type of an address list: every entry must be an IPv4/IPv6 address or CIDR, or the service refuses to start. */
export function addressList() {
  return z.string().transform((value, ctx): AddressList => {
    const entries = value.split(',').map((entry) => entry.trim()).filter(Boolean);
    const blocks = new BlockList();
    for (const entry of entries) {
      const [address, bits, ...rest] = entry.split('/');
      const family = isIP(address ?? '');
      const maxBits = family === 6 ? 128 : 32;
      const prefix = bits === undefined ? maxBits : /^\d{1,3}$/.test(bits) ? Number(bits) : Number.NaN;
      if (!family || rest.length > 0 || !(prefix >= 0 && prefix <= maxBits)) {
        ctx.addIssue({ code: 'custom', message: `"${entry.slice(0, 60)}" is not an IP address or CIDR (comma-separated list)` });
        return z.NEVER;
      }
      blocks.addSubnet(address as string, prefix, family === 6 ? 'ipv6' : 'ipv4');
    }
    return {
      entries,
      matches(address: string): boolean {
        const family = isIP(address);
        return family !== 0 && blocks.check(address, family === 6 ? 'ipv6' : 'ipv4');
      },
    };
  });
}
