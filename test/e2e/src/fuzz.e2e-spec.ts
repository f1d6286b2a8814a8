import { createHash, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { ContentTypes, FailInfo, MessageType, PkiStatus, decodeGetMessageParam, encodeIssuerAndSubject, parsePkiMessage, readCertRep, verifyPkiMessage } from '@scep/codec';
import { derWriter, readCertificate } from '@scep/pki';
import { byteMutation } from '@scep/codec/test-support';
import { E2eStack, randomChallenge } from './support/e2e-stack';
import { isAlive } from './support/local-processes';
import {
  type Mutation,
  OID_SCEP,
  attributeOf,
  buildCsr,
  escapeAll,
  httpHead,
  mutate,
  nameOf,
  paddingAttribute,
  rawRequest,
  resign,
  type RawResponse,
} from './support/hostile-client';
import { type DeviceIdentity, type RaMaterial, certPoll, getCaCert, makeDevice, pkcsReq, read } from './support/test-client';

/**
 * The gateway under a barrage of client garbage (issue: "never a crash, never a 5xx for client garbage, bounded
 * memory"; "GET URLs up to at least 64 KiB"): mutated PKIOperation requests by POST and GET, validly signed requests
 * with hostile contents, odd content types, long and oversize URLs, malformed HTTP. Every answer must be a CertRep
 * signed by the RA (200) or a short 4xx; afterwards the gateway still runs, its memory stayed bounded, a valid
 * enrollment still succeeds and the only certificates issued are those the test saw being issued.
 *
 * Deterministic mutations (fixed fast-check seed; FUZZ_SEED / FUZZ_RUNS override), a bounded number of requests.
 */
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : 8894;
const RUNS = process.env.FUZZ_RUNS !== undefined ? Number(process.env.FUZZ_RUNS) : undefined;
const runs = (n: number) => RUNS ?? n;
const CONCURRENCY = 6;
const { octetString, printableString, tlv } = derWriter;

describe(`gateway fuzz (seed ${SEED})`, () => {
  const stack = new E2eStack();
  const challenge = randomChallenge();
  let url: string;
  let port: number;
  /** Path + operation, as a device sends it. */
  let target: string;
  let ra: RaMaterial;
  let devices: [DeviceIdentity, DeviceIdentity, DeviceIdentity];
  let gatewayPid: number;
  let rssBaseline = 0;
  let rssPeak = 0;
  let sampler: NodeJS.Timeout | undefined;
  /** Serial numbers of every certificate a SUCCESS reply carried. */
  const issuedSerials = new Set<string>();
  /** Request identity as the policy service sees it (transactionID + signer certificate) -> serials handed out. */
  const issuedPerRequest = new Map<string, Map<string, string[]>>();
  let pendingSeen = false;
  const tally = new Map<string, number>();

  const note = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);

  beforeAll(async () => {
    await stack.start({ logLevel: 'warn' });
    url = (await stack.tenantProfile('fuzz', 'devices', challenge)).profile.scepUrl;
    const parsed = new URL(url);
    port = Number(parsed.port);
    target = parsed.pathname;
    ra = await getCaCert(url);
    devices = [makeDevice('fuzz-seed-0', challenge), makeDevice('fuzz-seed-1', challenge), makeDevice('fuzz-seed-2', challenge)];
    gatewayPid = stack.pids().get('scep-gateway') as number;
    expect(gatewayPid).toBeGreaterThan(0);
    rssBaseline = vmKiB(gatewayPid, 'VmRSS');
    sampler = setInterval(() => {
      try {
        rssPeak = Math.max(rssPeak, vmKiB(gatewayPid, 'VmRSS'));
      } catch {
        // the process is gone: asserted at the end
      }
    }, 100);
  }, 180_000);

  afterAll(async () => {
    if (sampler) clearInterval(sampler);
    const rows = [...tally.entries()].sort().map(([k, v]) => `  ${k}: ${v}`);
    process.stdout.write(`gateway fuzz (seed ${SEED}) answers:\n${rows.join('\n')}\n`);
    await stack.stop();
  }, 60_000);

  /**
   * Checks one answer against the contract. `key` opens a SUCCESS (the device whose request was mutated); `sent` is the
   * pkiMessage as the gateway decoded it, to tell which transaction a SUCCESS belongs to.
   */
  function expectClean(label: string, response: RawResponse, context: { key?: KeyObject; sent?: Buffer; allowReset?: boolean } = {}): ReturnType<typeof readCertRep> | undefined {
    const where = `${label} -> ${response.status} ${response.headers['content-type'] ?? ''} ${response.body.subarray(0, 80).toString('latin1')}`;
    if (response.status === 0) {
      // Only for requests the HTTP layer may refuse by closing (an oversize request line still being sent).
      if (!context.allowReset) throw new Error(`no HTTP answer: ${where}`);
      note('connection closed');
      return undefined;
    }
    if (response.status >= 500) throw new Error(`5xx for client input: ${where}`);
    note(String(response.status));
    if (response.status === 200) {
      const type = response.headers['content-type'];
      if (type === ContentTypes.pkiMessage) {
        let reply: ReturnType<typeof readCertRep>;
        try {
          reply = readCertRep(response.body, ra.ra, context.key ?? devices[0].key);
        } catch (e) {
          throw new Error(`a 200 that is not a CertRep signed by the RA (${(e as Error).message}): ${where}`, { cause: e });
        }
        note(`CertRep ${PkiStatus[reply.status]}`);
        if (reply.status === PkiStatus.Pending) pendingSeen = true;
        if (reply.status === PkiStatus.Success) {
          const serial = readCertificate(reply.certificates[0] as Buffer).serialHex;
          issuedSerials.add(serial);
          const request = context.sent && requestIdentity(context.sent);
          if (!request) throw new Error(`SUCCESS for a request the codec does not accept: ${where}`);
          const serials = issuedPerRequest.get(request) ?? new Map<string, string[]>();
          serials.set(serial, [...(serials.get(serial) ?? []), label]);
          issuedPerRequest.set(request, serials);
        }
        return reply;
      } else if (type !== ContentTypes.caps && type !== ContentTypes.caRaCert) {
        throw new Error(`200 with an unexpected content type: ${where}`);
      }
      return undefined;
    }
    // 4xx: short text (Node's own parser errors carry no body at all).
    if (response.body.length > 200) throw new Error(`long 4xx body: ${where}`);
    if (response.body.length > 0 && !(response.headers['content-type'] ?? '').startsWith('text/plain')) throw new Error(`4xx that is not text/plain: ${where}`);
    return undefined;
  }

  const post = (body: Buffer, contentType?: string, path = target) =>
    rawRequest(port, httpHead('POST', `${path}?operation=PKIOperation`, { 'Content-Length': body.length, ...(contentType !== undefined ? { 'Content-Type': contentType } : {}) }), body);
  const get = (query: string, path = target) => rawRequest(port, httpHead('GET', `${path}?${query}`));

  /** Runs the cases `CONCURRENCY` at a time (a barrage, not a queue); fails at the end listing every violation. */
  async function barrage<T>(cases: readonly T[], send: (c: T, i: number) => Promise<void>): Promise<void> {
    let next = 0;
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < cases.length) {
          const i = next++;
          await send(cases[i] as T, i).catch((e: unknown) => failures.push(e instanceof Error ? e.message : String(e)));
        }
      }),
    );
    if (failures.length) throw new Error(`${failures.length} of ${cases.length} answers broke the contract:\n${failures.slice(0, 20).join('\n')}`);
  }

  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    byteMutation,
    fc.record({ kind: fc.constant('length' as const), nth: fc.nat(), length: fc.constantFrom(0x8000_0000, 0xffff_ffff, 0x7fff_ffff, 1 << 20) }),
    fc.record({ kind: fc.constant('indefinite' as const), nth: fc.nat() }),
  );
  const mutations = fc.array(mutation, { minLength: 1, maxLength: 3 });

  /** Valid requests to mutate: PKCSReq in several ciphers/digests and a CertPoll, from the seed devices. */
  function seeds(): Array<{ der: Buffer; device: DeviceIdentity }> {
    const [a, b, c] = devices;
    const first = pkcsReq(a, ra);
    return [
      { der: first.der, device: a },
      { der: pkcsReq(b, ra, { cipher: 'des-ede3-cbc', digest: 'sha1' }).der, device: b },
      { der: pkcsReq(c, ra, { cipher: 'aes-128-cbc', digest: 'sha512' }).der, device: c },
      { der: certPoll(a, ra, first.transactionId).der, device: a },
    ];
  }

  it('POST: mutated PKIOperation requests with odd content types -> CertRep or short 4xx, never 5xx', async () => {
    const seedRequests = seeds();
    const contentTypes = [
      undefined,
      'application/x-pki-message',
      'application/octet-stream',
      'application/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=zz',
      'text/plain; charset=utf-16',
      '*/*',
      ';;;',
      'application/x-pki-message; charset=binary',
      'application/json; charset=utf-8',
    ];
    const cases = fc.sample(
      fc.record({ seed: fc.nat(seedRequests.length - 1), mutations, contentType: fc.constantFrom(...contentTypes), random: fc.oneof({ arbitrary: fc.constant(null), weight: 7 }, { arbitrary: fc.uint8Array({ maxLength: 3000 }), weight: 1 }) }),
      { seed: SEED, numRuns: runs(400) },
    );
    await barrage(cases, async (c, i) => {
      const seed = at(seedRequests, c.seed);
      const body = c.random ? Buffer.from(c.random) : mutate(seed.der, c.mutations);
      expectClean(`POST #${i} (${c.contentType ?? 'no content type'})`, await post(body, c.contentType), { key: seed.device.key, sent: body });
    });
    // The unmutated seeds through the same path: the client side of the check works.
    for (const seed of seedRequests.slice(0, 1)) expectClean('POST seed', await post(seed.der, 'application/x-pki-message'), { key: seed.device.key, sent: seed.der });
  }, 120_000);

  it('POST: validly signed requests with hostile contents -> a signed CertRep, never 5xx', async () => {
    const device = makeDevice('fuzz-hostile', challenge);
    const key = device.key;
    const spki = device.certificate.spkiDer;
    const csr = (input: Partial<Parameters<typeof buildCsr>[0]>) => buildCsr({ subjectDer: nameOf('hostile', 'E2E'), spkiDer: spki, key, challenge, ...input });
    const withCsr = (csrDer: Buffer) => pkcsReq(device, ra, { messageData: csrDer }).der;
    const withAttributes = (...attributes: Buffer[]) => resign(pkcsReq(device, ra).der, key, attributes);
    const transactionId = (value: Buffer) => withAttributes(attributeOf(OID_SCEP.transactionID, value));

    // 'certrep': the attributes are readable, so the answer must be a signed CertRep (§2.5); 400: unreadable by design.
    const cases: Array<[string, Buffer, 'certrep' | 400]> = [
      // Regression: CSR facts beyond the RPC contract (subject > 4096 characters, > 100 SANs, challenge > 8192) failed
      // the contract check in RpcClient: HTTP 500. Now FAILURE badRequest.
      ['subject rendered longer than 4096 characters', withCsr(csr({ subjectDer: nameOf('x'.repeat(5000)) })), 'certrep'],
      ['subject of 120 RDNs', withCsr(csr({ subjectDer: nameOf(...Array.from({ length: 120 }, (_, i) => `rdn-${i}-${'y'.repeat(40)}`)) })), 'certrep'],
      ['subject with NUL and control characters', withCsr(csr({ subjectDer: nameOf('nul\u0000byte\u0001\u001f', 'E2E') })), 'certrep'],
      ['subject with lone surrogates as UTF-8 bytes', withCsr(csr({ subjectDer: nameOf('\ud800x\udfff') })), 'certrep'],
      ['150 subjectAltNames', withCsr(csr({ dnsNames: Array.from({ length: 150 }, (_, i) => `host-${i}.example`) })), 'certrep'],
      ['a subjectAltName with NUL and 8-bit bytes', withCsr(csr({ dnsNames: ['a\u0000b.example', 'caf\u00e9.example', ''] })), 'certrep'],
      ['a challengePassword of 10 000 characters', withCsr(csr({ challenge: 'c'.repeat(10_000) })), 'certrep'],
      ['the right challenge followed by NUL', withCsr(csr({ challenge: `${challenge}\u0000` })), 'certrep'],
      ['a CSR of 60 KiB', withCsr(csr({ extraAttributes: [paddingAttribute(60 * 1024)] })), 'certrep'],
      ['a CSR signed by another key (no proof of possession)', withCsr(buildCsr({ subjectDer: nameOf('pop'), spkiDer: spki, key: devices[2].key, challenge })), 'certrep'],
      // Regression: a NUL in the transactionID reached PostgreSQL through enrollment.submit (HTTP 500); control
      // characters are now refused by the codec (HTTP 400, like any unreadable transactionID).
      ['transactionID with NUL bytes', transactionId(tlv(0x13, Buffer.from('tx\u0000\u0000nul', 'latin1'))), 400],
      ['transactionID of control characters', transactionId(tlv(0x13, Buffer.from('\u0001\u0002\u0003\u007f\r\n', 'latin1'))), 400],
      ['transactionID as a BMPString with a lone surrogate', transactionId(tlv(0x1e, Buffer.from([0xd8, 0x00, 0x00, 0x41]))), 'certrep'],
      ['transactionID of 256 three-octet UTF-8 characters', transactionId(tlv(0x0c, Buffer.from('€'.repeat(256), 'utf8'))), 'certrep'],
      ['transactionID as a constructed PrintableString', transactionId(tlv(0x33, tlv(0x13, Buffer.from('ab')), tlv(0x13, Buffer.from('cd')))), 'certrep'],
      ['transactionID of 257 characters', transactionId(tlv(0x13, Buffer.alloc(257, 0x41))), 400],
      ['transactionID as an OCTET STRING', transactionId(octetString(Buffer.from('not-a-string'))), 400],
      ['two transactionID values', transactionId(Buffer.concat([printableString('one'), printableString('two')])), 400],
      ['senderNonce of 64 octets', withAttributes(attributeOf(OID_SCEP.senderNonce, octetString(Buffer.alloc(64, 1)))), 'certrep'],
      ['senderNonce of 65 octets', withAttributes(attributeOf(OID_SCEP.senderNonce, octetString(Buffer.alloc(65, 1)))), 400],
      ['a recipientNonce of the wrong type', withAttributes(attributeOf(OID_SCEP.recipientNonce, printableString('x'))), 'certrep'],
      ...(['17', '21', '22', '3', '0', '999999999', '-19', '19.0', ''] as const).map((t): [string, Buffer, 'certrep'] => [
        `messageType "${t}"`,
        withAttributes(attributeOf(OID_SCEP.messageType, printableString(t))),
        'certrep',
      ]),
      ['CertPoll for a transaction nobody started', certPoll(device, ra, 'NEVER-STARTED').der, 'certrep'],
      ['CertPoll with garbage messageData', pkcsReq(device, ra, { messageType: MessageType.CertPoll, messageData: Buffer.from('3003020101', 'hex') }).der, 'certrep'],
      ['PKCSReq whose messageData is an IssuerAndSubject', pkcsReq(device, ra, { messageData: encodeIssuerAndSubject({ issuerDer: ra.ca.subjectDer, subjectDer: device.certificate.subjectDer }) }).der, 'certrep'],
      ['PKCSReq whose messageData is empty', pkcsReq(device, ra, { messageData: Buffer.alloc(0) }).der, 'certrep'],
    ];
    // Beyond the RPC contracts: FAILURE badRequest, never a certificate.
    const beyondContract = ['subject rendered longer than 4096 characters', '150 subjectAltNames', 'a challengePassword of 10 000 characters'];
    await barrage(cases, async ([label, der, expected]) => {
      const response = await post(der, 'application/x-pki-message');
      const reply = expectClean(label, response, { key, sent: der });
      if (response.status !== (expected === 'certrep' ? 200 : expected)) throw new Error(`${label}: expected ${expected}, got ${response.status}`);
      if (beyondContract.includes(label) && (reply?.status !== PkiStatus.Failure || reply.failInfo !== FailInfo.BadRequest)) {
        throw new Error(`${label}: expected FAILURE badRequest, got ${reply ? `${PkiStatus[reply.status]} ${reply.failInfo ?? ''}` : 'no CertRep'}`);
      }
    });
  }, 120_000);

  it('GET: mutated and garbage message= query strings, encodings of every client -> CertRep or short 4xx', async () => {
    const seedRequests = seeds();
    const b64Of = (der: Buffer) => der.toString('base64');
    const encodings: Array<(b: string) => string> = [
      (b) => encodeURIComponent(b),
      (b) => (b.match(/.{1,64}/g) ?? []).join('%0A').replace(/\+/g, '%2B').replace(/=/g, '%3D'),
      (b) => b.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
      (b) => b.replace(/=/g, '%3D'),
      (b) => b,
      escapeAll,
    ];
    const junkChar = fc.constantFrom(...'ABCabc019+/=-_%&#?;,.~!$\'()*:@[]{}|\\^`"<> \t'.split(''), '%00', '%ZZ', '%', '%%', '%0A', '%3D', 'message=', '&operation=GetCACert', '&message=', '\u00e9', '\u{1f600}');
    const mutated = fc.record({ seed: fc.nat(seedRequests.length - 1), mutations, encoding: fc.nat(encodings.length - 1) });
    const query = fc.oneof(
      { weight: 4, arbitrary: mutated.map((c) => `${c.seed}:operation=PKIOperation&message=${at(encodings, c.encoding)(b64Of(mutate(at(seedRequests, c.seed).der, c.mutations)))}`) },
      { weight: 2, arbitrary: fc.array(junkChar, { maxLength: 400 }).map((parts) => `operation=PKIOperation&message=${parts.join('')}`) },
      { weight: 1, arbitrary: fc.array(junkChar, { maxLength: 200 }).map((parts) => parts.join('')) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 300 }).map((s) => `operation=PKIOperation&message=${encodeURIComponent(s)}`) },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'operation=PKIOperation',
          'operation=PKIOperation&message=',
          'operation=PKIOperation&message',
          'operation=pkioperation&MESSAGE=MIIB',
          'operation=PKIOperation&operation=GetCACert',
          'operation=%E0%A4%A&message=MII',
          'operation=GetCACaps&message=' + 'x'.repeat(30_000),
          'operation=GetCACert&message=%00%ff',
          'operation=GetNextCACert',
          'operation=' + 'P'.repeat(10_000),
          `operation=PKIOperation&message=${'='.repeat(64 * 1024 - 100)}A`,
          `operation=PKIOperation&message=MI${'%3D'.repeat(20_000)}A`,
          `operation=PKIOperation&message=${'A'.repeat(60 * 1024)}`,
          `operation=PKIOperation&message=${'%'.repeat(60 * 1024)}`,
          `${'&'.repeat(30_000)}operation=PKIOperation&message=MIIB`,
          `operation=PKIOperation&${'a=b&'.repeat(8_000)}message=MIIB`,
        ),
      },
    );
    const queries = fc.sample(query, { seed: SEED + 1, numRuns: runs(400) });
    await barrage(queries, async (tagged, i) => {
      // Mutations of seed n are tagged "n:" (the key that opens a SUCCESS); the rest is garbage for device 0.
      const seedTag = /^(\d):/.exec(tagged);
      const q = seedTag ? tagged.slice(2) : tagged;
      // Raw CR/LF/space would end the request line: the HTTP parser's 400 is a clean answer too, but keep them escaped
      // so that the query reaches the gateway.
      const safe = q.replace(/[\r\n \t]/g, (ch) => encodeURIComponent(ch));
      expectClean(`GET #${i} (${safe.length} chars)`, await get(safe), { key: at(seedRequests, seedTag ? Number(seedTag[1]) : 0).device.key, sent: decodeGetMessageParam(safe) });
    });
  }, 120_000);

  it('GET: a valid PKIOperation URL of more than 60 KiB enrolls; beyond the header limit -> 431, never a hang', async () => {
    const device = makeDevice('fuzz-long-url', challenge);
    // A CSR padded with an attribute nobody reads, sized so that the request target is 62-64 KiB with %-escaping.
    const requestTarget = (padding: number) => {
      const der = pkcsReq(device, ra, { messageData: buildCsr({ subjectDer: nameOf('fuzz-long-url', 'E2E'), spkiDer: device.certificate.spkiDer, key: device.key, challenge, extraAttributes: [paddingAttribute(padding)] }) }).der;
      return `${target}?operation=PKIOperation&message=${encodeURIComponent(der.toString('base64'))}`;
    };
    const [a, b] = [requestTarget(10_000).length, requestTarget(20_000).length];
    const padding = Math.floor(10_000 + ((63 * 1024 - a) * 10_000) / (b - a));
    const long = requestTarget(padding);
    expect(long.length).toBeGreaterThan(60 * 1024);
    expect(long.length).toBeLessThanOrEqual(64 * 1024);
    const ok = await rawRequest(port, httpHead('GET', long));
    expectClean(`GET of ${long.length} characters`, ok, { key: device.key, sent: decodeGetMessageParam(long) });
    expect(ok.status).toBe(200);
    expect(read(ok.body, ra, device).status).toBe(PkiStatus.Success);

    // Past SCEP_GATEWAY_MAX_HEADER_BYTES (96 KiB by default): the HTTP parser refuses, the gateway carries on.
    for (const size of [100 * 1024, 1024 * 1024]) {
      const oversize = `${target}?operation=PKIOperation&message=${'A'.repeat(size)}`;
      const response = await rawRequest(port, httpHead('GET', oversize));
      expectClean(`GET of ${oversize.length} characters`, response, { allowReset: true });
      if (response.status !== 0) expect(response.status).toBe(431);
    }
    const header = await rawRequest(port, httpHead('GET', `${target}?operation=GetCACaps`, { 'X-Padding': 'p'.repeat(200 * 1024) }));
    expectClean('a 200 KiB header', header, { allowReset: true });
    expect((await get('operation=GetCACaps')).status).toBe(200);
  }, 120_000);

  it('malformed HTTP and odd paths -> 4xx (or 405/404), never 5xx', async () => {
    const valid = pkcsReq(devices[2], ra).der;
    const cases: Array<[string, () => Promise<RawResponse>, { allowReset?: boolean }?]> = [
      ['garbage request line', () => rawRequest(port, 'GARBAGE\u0001\u0002 / HTTP/9.9')],
      ['a header without a colon', () => rawRequest(port, `${httpHead('GET', `${target}?operation=GetCACaps`)}\r\nno-colon-here`)],
      ['method BREW', () => rawRequest(port, httpHead('BREW', `${target}?operation=PKIOperation`))],
      ['PUT with a body', () => rawRequest(port, httpHead('PUT', `${target}?operation=PKIOperation`, { 'Content-Length': valid.length }), valid)],
      ['OPTIONS', () => rawRequest(port, httpHead('OPTIONS', `${target}?operation=PKIOperation`))],
      ['HEAD PKIOperation', () => rawRequest(port, httpHead('HEAD', `${target}?operation=PKIOperation&message=MIIB`))],
      ['Content-Length larger than the body, then EOF', () => rawRequest(port, httpHead('POST', `${target}?operation=PKIOperation`, { 'Content-Length': valid.length + 1000 }), valid, { halfClose: true }), { allowReset: true }],
      ['Content-Length smaller than the body', () => rawRequest(port, httpHead('POST', `${target}?operation=PKIOperation`, { 'Content-Length': 10 }), valid)],
      ['Content-Length -1', () => rawRequest(port, httpHead('POST', `${target}?operation=PKIOperation`, { 'Content-Length': -1 }), valid)],
      ['Content-Length and Transfer-Encoding', () => rawRequest(port, httpHead('POST', `${target}?operation=PKIOperation`, { 'Content-Length': 4, 'Transfer-Encoding': 'chunked' }), Buffer.from('0\r\n\r\n'))],
      ['a broken chunk', () => rawRequest(port, httpHead('POST', `${target}?operation=PKIOperation`, { 'Transfer-Encoding': 'chunked' }), Buffer.from('zz\r\nabc\r\n0\r\n\r\n'))],
      ['a valid request, chunked', () => rawRequest(port, httpHead('POST', `${target}?operation=PKIOperation`, { 'Transfer-Encoding': 'chunked' }), Buffer.concat([Buffer.from(`${valid.length.toString(16)}\r\n`), valid, Buffer.from('\r\n0\r\n\r\n')]))],
      ['a 300 KiB body', () => rawRequest(port, httpHead('POST', `${target}?operation=PKIOperation`, { 'Content-Length': 300 * 1024 }), Buffer.alloc(300 * 1024, 0x30)), { allowReset: true }],
      ['Content-Encoding gzip', () => rawRequest(port, httpHead('POST', `${target}?operation=PKIOperation`, { 'Content-Length': valid.length, 'Content-Encoding': 'gzip' }), valid)],
      ['Expect: 100-continue', () => rawRequest(port, httpHead('POST', `${target}?operation=PKIOperation`, { 'Content-Length': valid.length, Expect: '100-continue' }), valid)],
      ['a Content-Type of 10 KiB', () => rawRequest(port, httpHead('POST', `${target}?operation=PKIOperation`, { 'Content-Length': valid.length, 'Content-Type': `application/${'x'.repeat(10_240)}` }), valid)],
      ['GetCACert by POST', () => rawRequest(port, httpHead('POST', `${target}?operation=GetCACert`, { 'Content-Length': 0 }))],
      ['path with %00 and %ff', () => get('operation=GetCACaps', '/scep/fuzz%00/devices%ff/x')],
      ['path traversal', () => get('operation=GetCACaps', '/scep/../../v1/tenants')],
      ['a tenant slug of 300 characters', () => get('operation=GetCACaps', `/scep/${'t'.repeat(300)}/devices`)],
      ['a suffix of 20 000 characters', () => get('operation=GetCACaps', `${target}/${'s/'.repeat(10_000)}`)],
      ['an absolute-form request target', () => rawRequest(port, httpHead('GET', `http://127.0.0.1:${port}${target}?operation=GetCACaps`))],
      ['a fragment and a second ?', () => get('operation=PKIOperation&message=MIIB?x=y#frag')],
      ['HTTP/1.0 without Host (Cisco IOS)', () => rawRequest(port, `GET ${target}?operation=GetCACaps HTTP/1.0\r\nUser-Agent: Mozilla/4.0 (compatible; MSIE 5.0; Cisco PKI)`)],
    ];
    await barrage(cases, async ([label, send, options]) => {
      expectClean(label, await send(), { key: devices[2].key, sent: valid, ...options });
    });
  }, 120_000);

  it('afterwards: the gateway runs, its memory stayed bounded, a valid enrollment succeeds, nothing else was issued', async () => {
    // Still serving, and the same process.
    expect(() => process.kill(gatewayPid, 0)).not.toThrow();
    for (const [service, pid] of stack.pids()) expect({ service, alive: isAlive(pid) }).toEqual({ service, alive: true });
    expect(stack.pids().get('scep-gateway')).toBe(gatewayPid);

    const device = makeDevice('fuzz-after', challenge);
    const byPost = pkcsReq(device, ra);
    const posted = await post(byPost.der, 'application/x-pki-message');
    expectClean('valid POST after the barrage', posted, { key: device.key, sent: byPost.der });
    expect(read(posted.body, ra, device).status).toBe(PkiStatus.Success);
    const byGet = await get(`operation=PKIOperation&message=${encodeURIComponent(pkcsReq(device, ra, { transactionId: byPost.transactionId }).der.toString('base64'))}`);
    expect(read(byGet.body, ra, device).status).toBe(PkiStatus.Success);

    // Every certificate of the tenant was handed out in a SUCCESS the test saw (a PENDING one may be issued later, for a
    // device of the test): no half-written record, nothing issued from garbage.
    const listed = (await stack.admin.expectOk('GET', '/v1/tenants/fuzz/certificates?limit=500')).items as Array<{ serialNumber: string; subject: string }>;
    const unexplained = listed.filter((c) => !issuedSerials.has(c.serialNumber) && !(pendingSeen && /CN=fuzz-/.test(c.subject)));
    expect(unexplained).toEqual([]);
    // One transactionID and one key never get two certificates, however the signer certificate of a copy was re-encoded
    // or altered (regression: identity by certificate bytes let BER re-encodings mint a certificate each).
    const reissued = [...issuedPerRequest.entries()]
      .filter(([, serials]) => serials.size > 1)
      .map(([request, serials]) => `${request}: ${[...serials].map(([serial, labels]) => `${serial} (${labels.join(', ')})`).join('; ')}`);
    expect(reissued).toEqual([]);

    // No bug surfaced as an HTTP 500 anywhere in the gateway's log.
    expect(stack.logs.filter((l) => l.service === 'scep-gateway' && /unhandled error/.test(l.line))).toEqual([]);

    const hwm = vmKiB(gatewayPid, 'VmHWM');
    const rss = vmKiB(gatewayPid, 'VmRSS');
    process.stdout.write(`gateway RSS: baseline ${mib(rssBaseline)} MiB, peak sampled ${mib(rssPeak)} MiB, high-water mark ${mib(hwm)} MiB, now ${mib(rss)} MiB; certificates issued: ${listed.length}\n`);
    // Bounded: a few hundred garbage requests (some of 64 KiB-1 MiB) must not grow the gateway by hundreds of MiB.
    expect(hwm - rssBaseline).toBeLessThan(384 * 1024);
  }, 120_000);
});

/** "transactionID / signer key SHA-256" of a request the codec accepts; undefined otherwise. */
function requestIdentity(der: Buffer): string | undefined {
  try {
    const message = parsePkiMessage(der);
    const signer = verifyPkiMessage(message);
    return `${message.transactionId} / signer key ${createHash('sha256').update(signer.spkiDer).digest('hex').slice(0, 16)}`;
  } catch {
    return undefined;
  }
}

/** arr[i] for an index a generator drew within bounds. */
function at<T>(arr: readonly T[], i: number): T {
  const value = arr[i];
  if (value === undefined) throw new Error(`index ${i} out of range`);
  return value;
}

function vmKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no ${field} for ${pid}`);
  return Number(m[1]);
}

const mib = (kib: number) => (kib / 1024).toFixed(1);
