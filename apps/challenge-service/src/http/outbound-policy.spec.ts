import { nonPublicCategory } from './address-ranges';
import { MICROSOFT_HOSTS, OutboundPolicy, type OutboundTarget, isMicrosoftHost, parseAllowList } from './outbound-policy';

const strict = new OutboundPolicy({ allow: [], allowPrivate: false });
const development = new OutboundPolicy({ allow: [], allowPrivate: true });

/** The refusal of a URL by the checks that need no DNS, or 'ok'. */
const urlVerdict = (policy: OutboundPolicy, url: string, target: OutboundTarget = 'webhook') => {
  const checked = policy.checkUrl(url, target);
  return checked.ok ? 'ok' : checked.reason;
};
/** The refusal of a host name resolving to `addresses`, or 'ok'. */
const resolvedVerdict = (policy: OutboundPolicy, url: string, addresses: string[], target: OutboundTarget = 'webhook') => {
  const checked = policy.checkUrl(url, target);
  if (!checked.ok) return checked.reason;
  const judged = policy.checkAddresses(checked.value, addresses, target);
  return judged.ok ? 'ok' : judged.reason;
};

describe('address ranges (RFC 6890 special-purpose addresses are never public)', () => {
  it.each([
    ['0.0.0.0', 'this-network'],
    ['0.255.1.2', 'this-network'],
    ['10.0.0.1', 'private (RFC 1918)'],
    ['10.255.255.255', 'private (RFC 1918)'],
    ['100.64.0.1', 'shared carrier-grade NAT (RFC 6598)'],
    ['100.127.255.254', 'shared carrier-grade NAT (RFC 6598)'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['169.254.0.1', 'link-local'],
    ['172.16.0.1', 'private (RFC 1918)'],
    ['172.31.255.255', 'private (RFC 1918)'],
    ['192.0.0.8', 'IETF protocol assignments'],
    ['192.168.1.1', 'private (RFC 1918)'],
    ['198.18.0.1', 'benchmarking'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'IPv6 loopback'],
    ['fe80::1', 'IPv6 link-local'],
    ['febf:ffff::1', 'IPv6 link-local'],
    ['fec0::1', 'IPv6 site-local'],
    ['fc00::1', 'IPv6 unique local'],
    ['fd12:3456:789a::1', 'IPv6 unique local'],
    ['ff02::1', 'IPv6 multicast'],
    ['100::1', 'IPv6 discard'],
    // IPv4 inside IPv6: judged by the IPv4 address the packet reaches.
    ['::ffff:127.0.0.1', 'loopback, embedded'],
    ['::ffff:7f00:1', 'loopback, embedded'],
    ['0:0:0:0:0:ffff:a9fe:a9fe', 'link-local (169.254.0.0/16, cloud metadata), embedded'],
    ['::ffff:10.0.0.1', 'private (RFC 1918), embedded'],
    ['::127.0.0.1', 'loopback, embedded'],
    ['64:ff9b::a9fe:a9fe', 'link-local (169.254.0.0/16, cloud metadata), embedded'],
    ['64:ff9b:1::1', 'NAT64 local-use'],
    ['2002:7f00:1::1', 'loopback, embedded'],
    ['2002:c0a8:101::1', 'private (RFC 1918), embedded'],
    ['[::1]', 'IPv6 loopback'],
    ['fe80::1%eth0', 'not an IP address'],
    ['localhost', 'not an IP address'],
  ])('%s is %s', (address, category) => {
    expect(nonPublicCategory(address)).toContain(category);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '172.15.255.255', '100.128.0.1', '100.63.255.255', '169.255.0.1', '11.0.0.1', '2606:4700::1111', '::ffff:8.8.8.8', '64:ff9b::808:808', '2002:808:808::1', '2001:4860::8888'])(
    '%s is public',
    (address) => {
      expect(nonPublicCategory(address)).toBeUndefined();
    },
  );
});

describe('outbound policy: URLs as tenants write them', () => {
  it.each([
    // IPv4 spellings that URL parsing normalises to dotted quads (decimal, octal, hex, short forms).
    ['https://2130706433/hook', 'loopback'],
    ['https://0x7f000001/hook', 'loopback'],
    ['https://0177.0.0.1/hook', 'loopback'],
    ['https://017700000001/hook', 'loopback'],
    ['https://0x7f.0.0.1/hook', 'loopback'],
    ['https://127.1/hook', 'loopback'],
    ['https://2852039166/latest/meta-data', 'link-local'],
    ['https://0xA9FEA9FE/latest/meta-data', 'link-local'],
    ['https://169.254.169.254/latest/meta-data', 'link-local'],
    ['https://0/', 'this-network'],
    ['https://10.1/', 'private (RFC 1918)'],
    ['https://192.168.0.10/', 'private (RFC 1918)'],
    ['https://172.20.1.1/', 'private (RFC 1918)'],
    ['https://100.100.100.200/', 'carrier-grade NAT'],
    ['https://224.0.0.251/', 'multicast'],
    ['https://255.255.255.255/', 'broadcast'],
    ['https://[::1]/hook', 'IPv6 loopback'],
    ['https://[fe80::1]/hook', 'IPv6 link-local'],
    ['https://[fd00::1]/hook', 'IPv6 unique local'],
    ['https://[::ffff:127.0.0.1]/hook', 'loopback, embedded'],
    ['https://[::ffff:169.254.169.254]/hook', 'link-local (169.254.0.0/16, cloud metadata), embedded'],
    ['https://[0:0:0:0:0:ffff:7f00:1]/hook', 'loopback, embedded'],
    ['https://[::127.0.0.1]/hook', 'loopback, embedded'],
    ['https://[64:ff9b::169.254.169.254]/hook', 'link-local'],
  ])('refuses %s (%s)', (url, category) => {
    const verdict = urlVerdict(strict, url);
    expect(verdict).toMatch(/^the address is an? /);
    expect(verdict).toContain(category);
  });

  it('refuses loopback over plain http unless the platform allows it, and plain http anywhere else', () => {
    expect(urlVerdict(strict, 'http://127.0.0.1:8080/hook')).toBe('the address is a loopback address');
    expect(urlVerdict(strict, 'http://2130706433/hook')).toBe('the address is a loopback address');
    expect(urlVerdict(development, 'http://127.0.0.1:8080/hook')).toBe('ok');
    expect(urlVerdict(development, 'http://[::1]:9000/hook')).toBe('ok');
    expect(urlVerdict(development, 'http://hooks.example.com/hook')).toMatch(/^must be https/);
    expect(urlVerdict(development, 'http://10.0.0.1/hook')).toMatch(/^must be https/);
    // "localhost" must resolve to loopback for plain http, even where private addresses are allowed.
    expect(resolvedVerdict(development, 'http://localhost:8080/hook', ['10.0.0.5'])).toBe('the host resolves to a private (RFC 1918) address (plain http only to a loopback address)');
    expect(resolvedVerdict(development, 'http://localhost:8080/hook', ['127.0.0.1', '::1'])).toBe('ok');
  });

  it('accepts https on 443 to public addresses, and no other port', () => {
    expect(urlVerdict(strict, 'https://8.8.8.8/hook')).toBe('ok');
    expect(urlVerdict(strict, 'https://[2606:4700::1111]:443/hook')).toBe('ok');
    expect(urlVerdict(strict, 'https://8.8.8.8:8443/hook')).toBe('port 8443 is not allowed (443 only)');
    expect(urlVerdict(strict, 'https://hooks.example.com:8443/hook')).toBe('port 8443 is not allowed (443 only)');
    expect(urlVerdict(strict, 'https://hooks.example.com/hook')).toBe('ok');
    expect(urlVerdict(strict, 'https://user:pass@hooks.example.com/hook')).toMatch(/without credentials/);
    expect(urlVerdict(strict, 'ftp://hooks.example.com/x')).toMatch(/^must be https/);
    expect(urlVerdict(strict, 'not a url')).toMatch(/^must be https/);
  });

  it('checks every address a name resolves to, and never names them', () => {
    expect(resolvedVerdict(strict, 'https://hooks.example.com/hook', ['8.8.8.8'])).toBe('ok');
    expect(resolvedVerdict(strict, 'https://hooks.example.com/hook', ['127.0.0.1'])).toBe('the host resolves to a loopback address');
    expect(resolvedVerdict(strict, 'https://hooks.example.com/hook', ['8.8.8.8', '169.254.169.254'])).toMatch(/^the host resolves to a link-local/);
    expect(resolvedVerdict(strict, 'https://hooks.example.com/hook', ['2606:4700::1111', '::ffff:10.1.2.3'])).toMatch(/^the host resolves to a private/);
    expect(resolvedVerdict(strict, 'https://hooks.example.com/hook', [])).toBe('the host has no address');
    expect(resolvedVerdict(strict, 'https://hooks.example.com/hook', ['10.9.8.7'])).not.toContain('10.9.8.7');
  });

  it('holds Intune endpoints to Microsoft hosts per role (global and national clouds)', () => {
    for (const [target, hosts] of Object.entries(MICROSOFT_HOSTS) as Array<[Exclude<OutboundTarget, 'webhook'>, readonly string[]]>) {
      for (const host of hosts) {
        const name = host.replace('*.', 'fef.msua06.');
        expect(resolvedVerdict(strict, `https://${name}/x`, ['20.190.160.1'], target)).toBe('ok');
      }
    }
    expect(resolvedVerdict(strict, 'https://graph.microsoft.com/x', ['20.190.160.1'], 'intune-login')).toBe('the host is not a Microsoft login host');
    expect(resolvedVerdict(strict, 'https://login.microsoftonline.com.evil.example/x', ['8.8.8.8'], 'intune-login')).toBe('the host is not a Microsoft login host');
    expect(resolvedVerdict(strict, 'https://evilmanage.microsoft.com/x', ['8.8.8.8'], 'intune-service')).toBe('the host is not a Microsoft service host');
    expect(resolvedVerdict(strict, 'https://manage.microsoft.com/x', ['8.8.8.8'], 'intune-service')).toBe('the host is not a Microsoft service host');
    expect(urlVerdict(strict, 'https://8.8.8.8/x', 'intune-graph')).toBe('the host is not a Microsoft graph host');
    // Decided from the name alone, before (and without) any DNS answer.
    expect(urlVerdict(strict, 'https://login.evil.example/x', 'intune-login')).toBe('the host is not a Microsoft login host');
    expect(urlVerdict(strict, 'https://login.microsoftonline.us/x', 'intune-login')).toBe('ok');
    // A Microsoft name that resolves somewhere private is still refused.
    expect(resolvedVerdict(strict, 'https://login.microsoftonline.com/x', ['10.0.0.1'], 'intune-login')).toMatch(/^the host resolves to a private/);
    expect(isMicrosoftHost('LOGIN.MicrosoftOnline.com.', 'intune-login')).toBe(true);
  });

  it('development flag: non-public addresses on any port, for webhooks and a loopback fake Intune; public ones keep every rule', () => {
    expect(urlVerdict(development, 'https://10.0.0.1:8443/hook')).toBe('ok');
    expect(urlVerdict(development, 'http://127.0.0.1:4000', 'intune-login')).toBe('ok');
    expect(resolvedVerdict(development, 'https://hooks.example.com:8443/hook', ['8.8.8.8'])).toBe('port 8443 is not allowed (443 only)');
    expect(resolvedVerdict(development, 'https://not-microsoft.example/x', ['8.8.8.8'], 'intune-graph')).toBe('the host is not a Microsoft graph host');
  });

  it('platform allow-list: host:port, host, CIDR[:port] and [IPv6-CIDR]:port entries', () => {
    const policy = new OutboundPolicy({ allow: parseAllowList(' hooks.internal.example:8443 , 10.1.2.0/24:443,[fd00:1::/64]:8443,intune-proxy.corp,127.0.0.1/32'), allowPrivate: false });
    expect(resolvedVerdict(policy, 'https://hooks.internal.example:8443/h', ['10.200.0.1'])).toBe('ok');
    expect(resolvedVerdict(policy, 'https://hooks.internal.example/h', ['10.200.0.1'])).toMatch(/^the host resolves to a private/);
    expect(resolvedVerdict(policy, 'https://any.example/h', ['10.1.2.77'])).toBe('ok');
    expect(urlVerdict(policy, 'https://10.1.2.77:8443/h')).toBe('the address is a private (RFC 1918) address');
    expect(urlVerdict(policy, 'https://10.1.3.1/h')).toBe('the address is a private (RFC 1918) address');
    expect(urlVerdict(policy, 'https://[fd00:1::5]:8443/h')).toBe('ok');
    expect(urlVerdict(policy, 'https://[fd00:2::5]:8443/h')).toMatch(/unique local/);
    expect(resolvedVerdict(policy, 'https://intune-proxy.corp:9443/x', ['10.9.9.9'], 'intune-login')).toBe('ok');
    expect(urlVerdict(policy, 'http://127.0.0.1:3000/hook')).toBe('ok');
    expect(urlVerdict(policy, 'http://127.0.0.2:3000/hook')).toBe('the address is a loopback address');
    expect(urlVerdict(policy, 'http://127.0.0.1:3000', 'intune-graph')).toBe('ok');
  });

  it.each([
    ['10.0.0.0/33', 'entry 1: bad prefix length'],
    ['hooks.example.com:99999', 'entry 1: bad port'],
    ['ok.example:443,under_score.example:443', 'entry 2 is neither host[:port] nor CIDR[:port]'],
    ['[fd00::/200]:443', 'entry 1: bad prefix length'],
    ['https://hooks.example.com', 'entry 1: bad port'],
    ['hooks.example.com/24', 'entry 1 is neither host[:port] nor CIDR[:port]'],
  ])('refuses the allow-list %s (%s)', (text, message) => {
    expect(() => parseAllowList(text)).toThrow(message);
  });
});
