import { z } from 'zod';
import { addressList } from './address-list';

describe('addressList', () => {
  const schema = z.object({ LIST: addressList() });

  it('matches addresses inside the listed CIDRs and single addresses, of both families', () => {
    const list = schema.parse({ LIST: ' 10.0.0.0/8, 192.0.2.7 ,2001:db8::/32' }).LIST;
    expect(list.entries).toEqual(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32']);
    expect(list.matches('10.200.3.4')).toBe(true);
    expect(list.matches('192.0.2.7')).toBe(true);
    expect(list.matches('192.0.2.8')).toBe(false);
    expect(list.matches('2001:db8:1::5')).toBe(true);
    expect(list.matches('2001:db9::5')).toBe(false);
    expect(list.matches('not an address')).toBe(false);
  });

  it.each(['10.0.0.0/33', 'example.com', '10.0.0.0/8/1', '::/129', '10.0.0.0/x', '10.0.0.0/'])('refuses %s', (entry) => {
    const result = schema.safeParse({ LIST: `10.1.1.1,${entry}` });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toContain('is not an IP address or CIDR');
  });
});
