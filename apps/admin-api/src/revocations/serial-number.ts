import { AdminError } from '../common/admin-error';

/**
 * A serial as operators write it — `0A1B2C`, `0x0a1b2c`, `0A:1B:2C` (openssl's forms) — in the platform's one format:
 * upper-case hex of the positive integer, whole octets, no leading zero octet. 400 naming `field` otherwise.
 */
export function normalizeSerial(value: string, field = 'serialNumber'): string {
  const hex = value.trim().replace(/^0x/i, '').replace(/[:\s]/g, '');
  if (!/^[0-9A-Fa-f]{1,42}$/.test(hex)) throw new AdminError('invalid', 'a serial number is 1 to 21 octets of hex (e.g. 0A1B2C, 0x0a1b2c or 0A:1B:2C)', field);
  let octets = (hex.length % 2 ? `0${hex}` : hex).toUpperCase();
  while (octets.length > 2 && octets.startsWith('00')) octets = octets.slice(2);
  return octets;
}
