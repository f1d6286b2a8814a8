import { clientRateKey } from './client-rate-key';

describe('clientRateKey', () => {
  it('keys IPv4 per address, also when mapped into IPv6', () => {
    expect(clientRateKey('192.0.2.7')).toBe('192.0.2.7');
    expect(clientRateKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientRateKey('::FFFF:192.0.2.7')).toBe('192.0.2.7');
  });

  it('keys IPv6 per /64 whatever the notation', () => {
    const key = clientRateKey('2001:db8:1:2::1');
    expect(key).toBe('2001:db8:1:2::/64');
    expect(clientRateKey('2001:0DB8:0001:0002:ffff:0:0:99')).toBe(key);
    expect(clientRateKey('2001:db8:1:3::1')).not.toBe(key);
    expect(clientRateKey('::1')).toBe('0:0:0:0::/64');
    expect(clientRateKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientRateKey('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });

  it('keeps anything else as it is', () => {
    expect(clientRateKey(' Unknown ')).toBe('unknown');
  });
});
