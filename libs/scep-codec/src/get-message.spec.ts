import { decodeGetMessageParam } from './get-message';
import { fixture, fixtureText } from './test-support/fixtures';

// A real pkiMessage (micromdm scepclient's PKCSReq): its base64 has '+', '/' and '=' padding... or not; make sure.
const der = fixture('scepclient-2.1.0/pkcsreq-rsa2048-post.der');
const b64 = der.toString('base64');

const wrap64 = (s: string) => s.match(/.{1,64}/g)!.join('\n');
const q = (message: string) => `operation=PKIOperation&message=${message}`;

describe('decodeGetMessageParam (scep-protocol.md §2.3)', () => {
  it('has a test message with the characters that matter', () => {
    expect(b64).toMatch(/\+/);
    expect(b64).toMatch(/\//);
  });

  const senders: Array<[string, string]> = [
    ['certmonger / Apple reference tool: all of + / = percent-escaped', q(encodeURIComponent(b64))],
    ['sscep: %0A every 64 chars, + = - escaped, / raw', q(wrap64(b64).replace(/\+/g, '%2B').replace(/=/g, '%3D').replace(/-/g, '%2D').replace(/\n/g, '%0A'))],
    ['Cisco IOS: %0A line breaks, CRLF variant', q(wrap64(b64).replace(/\n/g, '%0D%0A').replace(/\+/g, '%2B').replace(/=/g, '%3D'))],
    ['macOS MDM: + and / raw, only = escaped', q(b64.replace(/=/g, '%3D'))],
    ['iOS 11 behind a form decoder: + arrived as a space', q(b64.replace(/\+/g, ' '))],
    ['iOS 11, space re-escaped by a proxy as %20', q(b64.replace(/\+/g, '%20'))],
    ['jscep: raw + / =', q(b64)],
    ['micromdm scepclient < 2026: base64url, = escaped', q(b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '%3D'))],
    ['base64url without padding', q(b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''))],
    ['lower-case percent escapes and a TAB', q(encodeURIComponent(b64).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()) + '%09')],
    ['message first, other parameters after, a fragment', `message=${encodeURIComponent(b64)}&operation=PKIOperation#frag`],
    ['a whole request target', `/cgi-bin/pkiclient.exe?operation=PKIOperation&message=${encodeURIComponent(b64)}`],
    ['a leading ?', `?${q(encodeURIComponent(b64))}`],
  ];

  it.each(senders)('%s', (_, query) => {
    expect(decodeGetMessageParam(query)).toEqual(der);
  });

  it('decodes the GET query captured from micromdm scepclient 2.1.0', () => {
    const query = fixtureText('scepclient-2.1.0/pkcsreq-rsa2048-get.query');
    const decoded = decodeGetMessageParam(query)!;
    expect(decoded[0]).toBe(0x30);
    expect(decoded.length).toBeGreaterThan(2000);
  });

  it.each<[string, string]>([
    ['no message parameter', 'operation=PKIOperation'],
    ['an empty message', q('')],
    ['a bare "message" without =', 'operation=PKIOperation&message'],
    ['not base64', q('!!!!')],
    ['an impossible base64 length', q('MIIB' + 'A')],
    ['padding in the middle', q('MII=MIIB')],
    ['base64 of something that is not a SEQUENCE', q(Buffer.from('hello').toString('base64'))],
    ['a messagex parameter only', `messagex=${encodeURIComponent(b64)}`],
  ])('returns undefined for %s', (_, query) => {
    expect(decodeGetMessageParam(query)).toBeUndefined();
  });

  it('strips "=" padding in linear time (regression: /=+$/ backtracked, ~3 s of blocked event loop per 64 KiB URL of "=" then "A")', () => {
    // 256 KiB is the largest value decoded; the quadratic version needed about a minute for it. Hang guard, not a benchmark.
    for (const value of ['='.repeat(256 * 1024) + 'A', 'MI' + '%3D'.repeat(80 * 1024) + 'A', b64 + '='.repeat(200 * 1024)]) {
      const started = performance.now();
      const out = decodeGetMessageParam(q(value));
      expect(performance.now() - started).toBeLessThan(2_000);
      if (value.startsWith(b64)) expect(out).toEqual(der);
      else expect(out).toBeUndefined();
    }
  });

  it('does not form-decode other parameters into the message', () => {
    // The first message= wins; a later one is ignored.
    expect(decodeGetMessageParam(`message=${encodeURIComponent(b64)}&message=AAAA`)).toEqual(der);
  });
});
