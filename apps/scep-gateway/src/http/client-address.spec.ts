import { clientAddressOf, fastifyTrustProxy } from './client-address';

describe('client address', () => {
  it('takes the derived address when it is an IP address, IPv4-mapped IPv6 written as IPv4', () => {
    expect(clientAddressOf('198.51.100.7', '10.0.0.1')).toBe('198.51.100.7');
    expect(clientAddressOf('::ffff:198.51.100.7', '10.0.0.1')).toBe('198.51.100.7');
    expect(clientAddressOf('2001:DB8::1', '10.0.0.1')).toBe('2001:db8::1');
  });

  it.each([
    ['garbage', 'not-an-ip'],
    ['an oversize value (was HTTP 500 at 65 characters)', `198.51.100.7${'0'.repeat(200)}`],
    ['a list that was not split', '198.51.100.7, 203.0.113.9'],
    ['a host name', 'attacker.example'],
    ['an empty string', ''],
  ])('falls back to the socket peer for %s', (_case, derived) => {
    expect(clientAddressOf(derived, '::ffff:10.0.0.1')).toBe('10.0.0.1');
  });

  it('says unknown rather than inventing one', () => {
    expect(clientAddressOf(undefined, undefined)).toBe('unknown');
  });

  it('hands Fastify a hop count or a CIDR list, never a blanket "trust everything"', () => {
    expect(fastifyTrustProxy({ kind: 'none' })).toBe(false);
    expect(fastifyTrustProxy({ kind: 'hops', hops: 2 })).toBe(2);
    expect(fastifyTrustProxy({ kind: 'cidrs', cidrs: ['10.0.0.0/8'] })).toEqual(['10.0.0.0/8']);
  });
});
