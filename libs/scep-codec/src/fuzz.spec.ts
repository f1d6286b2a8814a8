// Fuzz tests of the request path (issue: "a fuzz test throws mutated requests at the parser ...: never a crash,
// bounded memory"). Everything a device controls goes through the same steps as in the gateway:
//   decodeGetMessageParam -> parsePkiMessage -> verifyPkiMessage -> openEnvelope -> parseCsr / parseIssuerAndSubject
// plus buildCertRep(FAILURE) from whatever parsed (the gateway answers every parsed message with a signed CertRep).
// Properties: only ScepCodecError (codec) / PkiError (pki) escape, no input takes seconds (a hang guard, far above
// the milliseconds one takes), and no input makes the process allocate what a length field claims.
//
// Deterministic by default (fixed seed). Longer local runs: FUZZ_SEED=<n> FUZZ_RUNS=<runs per property>
//   FUZZ_SEED=42 FUZZ_RUNS=20000 npx jest -c libs/scep-codec/jest.config.cjs fuzz
// A failure prints fast-check's report with the seed and the path of the counterexample.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { derWriter, formatDistinguishedName, parseCsr, PkiError, readCertificate } from '@scep/pki';
import { buildCertRep } from './cert-rep';
import { buildPkiRequest, readCertRep } from './client';
import { readCertsOnly } from './certs-only';
import { FailInfo, MessageType, PkiStatus } from './constants';
import type { ContentCipher, DigestName } from './constants';
import { openEnvelope } from './envelope';
import type { RecipientKey } from './envelope';
import { ScepCodecError } from './errors';
import { decodeGetMessageParam } from './get-message';
import { encodeIssuerAndSubject, parseIssuerAndSerialNumber, parseIssuerAndSubject } from './message-data';
import { parsePkiMessage, PKI_MESSAGE_LIMITS, verifyPkiMessage } from './pki-message';
import type { ParsedPkiMessage } from './pki-message';
import { attribute } from './internal/attributes';
import { buildEnvelope } from './internal/envelope-writer';
import { OID_SCEP_MESSAGE_TYPE, OID_SCEP_SENDER_NONCE, OID_SCEP_TRANSACTION_ID, OID_SIGNING_TIME } from './internal/oids';
import { buildSignedMessage } from './internal/signed-message';
import { berify } from './test-support/ber';
import { encodeTree, mutateTree, toTree } from './test-support/ber-mutator';
import type { TreeMutation } from './test-support/ber-mutator';
import { fixture, fixtureCert, testPki } from './test-support/fixtures';
import { applyByteMutations, byteMutation } from './test-support/byte-mutator';

const { octetString, printableString, tlv } = derWriter;

// ---------------------------------------------------------------------------------------------------------------
// Budget: fixed seed, run counts that keep this file well under 20 s on 2 cores; env overrides for long runs.

const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : 0x5ce9_8894;
const RUNS = process.env.FUZZ_RUNS !== undefined ? Number(process.env.FUZZ_RUNS) : undefined;
/** Far above what one input costs (milliseconds): only a hang or a super-linear blow-up trips it. */
const HANG_MS = 5_000;

function params(defaultRuns: number): fc.Parameters<unknown> {
  const numRuns = RUNS ?? defaultRuns;
  return {
    seed: SEED,
    numRuns,
    // A hard stop for CI: a slow machine runs a (deterministic) prefix of the sequence instead of timing out.
    interruptAfterTimeLimit: RUNS === undefined ? 6_000 : 24 * 3600_000,
    markInterruptAsFailure: false,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The pipeline under test, stage by stage, with the error contract checked at each stage.

const pki = testPki();
const raRecipient: RecipientKey = { certificate: pki.ra, privateKey: pki.raKey };
const caRecipient: RecipientKey = { certificate: pki.ca, privateKey: pki.caKey };

class ContractViolation extends Error {
  constructor(stage: string, cause: unknown) {
    super(`${stage} threw ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)} (only ScepCodecError / PkiError may escape)`, { cause });
    this.name = 'ContractViolation';
  }
}

/** Runs fn; an allowed error yields undefined, anything else fails the property naming the stage. */
function stage<T>(name: string, allowed: ReadonlyArray<abstract new (...args: never[]) => Error>, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (allowed.some((type) => e instanceof type)) return undefined;
    throw new ContractViolation(name, e);
  }
}

const CODEC = [ScepCodecError] as const;
const PKI = [PkiError] as const;

/** How deep inputs got, to check that each family really exercises the stage it is meant for. */
const DEPTHS = ['rejected', 'parsed', 'verified', 'opened', 'messageData'] as const;
type Depth = (typeof DEPTHS)[number];
/** Per family: how many inputs got at least this far ('rejected' = all of them). */
const reached = new Map<string, Record<Depth, number>>();
function count(family: string, depth: Depth): void {
  const entry = reached.get(family) ?? { rejected: 0, parsed: 0, verified: 0, opened: 0, messageData: 0 };
  for (const d of DEPTHS.slice(0, DEPTHS.indexOf(depth) + 1)) entry[d]++;
  reached.set(family, entry);
}

/** What the gateway does with a request body, minus the RPCs. Returns how far the input got. */
function pipeline(der: Uint8Array): Depth {
  const started = performance.now();
  let depth: Depth = 'rejected';
  const message = stage('parsePkiMessage', CODEC, () => parsePkiMessage(der));
  if (message) {
    depth = 'parsed';
    checkParsed(message);
    // The gateway answers every parsed message with a signed CertRep; building it must never fail (HTTP 500).
    const reply = buildCertRep({
      status: PkiStatus.Failure,
      failInfo: FailInfo.BadRequest,
      transactionIdEncoded: message.transactionIdEncoded,
      recipientNonce: message.senderNonce,
      digestAlgorithm: message.digestAlgorithm,
      signer: { certificate: pki.ra, privateKey: pki.raKey },
      extraCertificates: [pki.ca.der],
    });
    const echoed = readCertRep(reply, pki.ra, pki.clientKey);
    if (!echoed.transactionIdEncoded.equals(message.transactionIdEncoded)) throw new Error('transactionID not echoed byte for byte');

    for (const cert of message.certificates) stage('readCertificate', PKI, () => readCertificate(cert));
    if (stage('verifyPkiMessage', CODEC, () => verifyPkiMessage(message))) depth = 'verified';
    // Opened whether or not the signature verified: the envelope parser must hold on its own.
    if (message.content) {
      const content = message.content;
      const opened = stage('openEnvelope', CODEC, () => openEnvelope(content, [caRecipient, raRecipient]));
      if (opened) {
        if (depth === 'verified') depth = 'opened';
        const data = opened.content;
        const results = [
          stage('parseCsr', PKI, () => parseCsr(data)),
          stage('parseIssuerAndSubject', CODEC, () => parseIssuerAndSubject(data)),
          stage('parseIssuerAndSerialNumber', CODEC, () => parseIssuerAndSerialNumber(data)),
        ];
        if (depth === 'opened' && results.some(Boolean)) depth = 'messageData';
      }
    }
  }
  const elapsed = performance.now() - started;
  if (elapsed > HANG_MS) throw new Error(`one input of ${der.length} bytes took ${Math.round(elapsed)} ms (hang guard)`);
  sampleMemory();
  return depth;
}

/** What the gateway relies on when a message parses (limits it forwards to the RPC contracts). */
function checkParsed(message: ParsedPkiMessage): void {
  if (message.transactionId.length === 0 || message.transactionId.length > PKI_MESSAGE_LIMITS.maxTransactionIdLength) {
    throw new Error(`transactionID of ${message.transactionId.length} characters accepted`);
  }
  // eslint-disable-next-line no-control-regex -- what is checked
  if (/[\u0000-\u001f\u007f]/.test(message.transactionId)) throw new Error('control character in an accepted transactionID');
  if (message.senderNonce.length === 0 || message.senderNonce.length > PKI_MESSAGE_LIMITS.maxNonceBytes) throw new Error('bad senderNonce accepted');
  if (message.certificates.length > PKI_MESSAGE_LIMITS.maxCertificates) throw new Error('too many certificates accepted');
  if (!Number.isNaN(message.messageType) && !Number.isInteger(message.messageType)) throw new Error('messageType not an integer');
}

/** At least `fraction` of a family's inputs got to `depth` (the fuzzer reaches the stage it is meant for). */
function expectReached(family: string, depth: Depth, fraction: number): void {
  const r = reached.get(family);
  const share = r && r.rejected > 0 ? r[depth] / r.rejected : 0;
  if (share < fraction) throw new Error(`only ${(share * 100).toFixed(1)}% of the ${family} inputs reached ${depth} (expected ${fraction * 100}%)`);
}

// Memory: the peak of heap + array buffers over the whole file, and a probe of the largest Buffer requested.
const memoryBaseline = process.memoryUsage();
let memoryPeak = 0;
function sampleMemory(): void {
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  memoryPeak = Math.max(memoryPeak, heapUsed + arrayBuffers - memoryBaseline.heapUsed - memoryBaseline.arrayBuffers);
}

/** Largest Buffer.alloc / allocUnsafe / allocUnsafeSlow size requested while fn runs (how a declared length would be allocated). */
function largestAllocation(fn: () => void): number {
  let largest = 0;
  const record = (size: unknown) => {
    if (typeof size === 'number') largest = Math.max(largest, size);
  };
  const spies = (['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const).map((name) => {
    const original = Buffer[name] as (size: number, ...rest: unknown[]) => Buffer;
    return jest.spyOn(Buffer, name).mockImplementation(((size: number, ...rest: unknown[]) => {
      record(size);
      return original.call(Buffer, size, ...rest);
    }) as never);
  });
  try {
    fn();
  } finally {
    spies.forEach((s) => s.mockRestore());
  }
  return largest;
}

/** Peak resident set (VmHWM) in bytes, when the platform reports it. */
function peakRss(): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Seeds: real requests (micromdm scepclient 2.1.0 capture, our client encoder in several configurations, a
// BER re-encoding like Apple's), real envelopes (openssl), real messageData.

const scepclientPost = fixture('scepclient-2.1.0/pkcsreq-rsa2048-post.der');
const scepclientGetQuery = fixture('scepclient-2.1.0/pkcsreq-rsa2048-get.query').toString('latin1').trim();
const issuerAndSubject = encodeIssuerAndSubject({ issuerDer: pki.ca.subjectDer, subjectDer: pki.client.subjectDer });

function request(messageType: MessageType, messageData: Buffer, cipher: ContentCipher, digest: DigestName, extra?: Partial<Parameters<typeof buildPkiRequest>[0]>): Buffer {
  return buildPkiRequest({
    messageType,
    transactionId: 'FUZZ-0001',
    senderNonce: Buffer.alloc(16, 7),
    messageData,
    signerCertificate: pki.client,
    signerKey: pki.clientKey,
    recipients: [pki.ra, pki.ca],
    contentCipher: cipher,
    digestAlgorithm: digest,
    ...extra,
  });
}

const builtPkcsReq = request(MessageType.PKCSReq, pki.csr, 'aes-256-cbc', 'sha256');
const builtCertPoll = request(MessageType.CertPoll, issuerAndSubject, 'des-ede3-cbc', 'sha1', { signatureAlgorithm: 'shaWithRsa' });
// Apple-style BER: indefinite lengths and chunked OCTET STRINGs everywhere except what the signature covers.
const berPkcsReq = berify(request(MessageType.PKCSReq, pki.csr, 'aes-128-cbc', 'sha512'), {
  keep: (node) => node.tag === 0xa0 && node.depth >= 4 && node.buf[node.contentStart] === 0x30 && node.contentEnd - node.contentStart < 400,
  chunk: 50,
});

const MESSAGE_SEEDS = [scepclientPost, builtPkcsReq, builtCertPoll, berPkcsReq];
const ENVELOPE_SEEDS = [
  buildEnvelope(pki.csr, [pki.ra], 'aes-128-cbc'),
  buildEnvelope(issuerAndSubject, [pki.ca, pki.ra], 'des-ede3-cbc'),
  fixture('openssl/envelope-aes128-ber.der'),
  fixture('openssl/envelope-aes128-oaep.der'),
  fixture('openssl/envelope-aes256-ski.der'),
  fixture('openssl/envelope-des.der'),
];
const scepclientCsr = openEnvelope(parsePkiMessage(scepclientPost).content as Buffer, [raRecipient]).content;
const MESSAGE_DATA_SEEDS: Array<[MessageType, Buffer]> = [
  [MessageType.PKCSReq, pki.csr],
  [MessageType.PKCSReq, scepclientCsr],
  [MessageType.CertPoll, issuerAndSubject],
];

/** A request signed by the client key around arbitrary eContent and arbitrary extra signed attributes. */
function signedAround(content: Buffer | undefined, attributes?: Buffer[]): Buffer {
  return buildSignedMessage({
    digest: 'sha256',
    content,
    certificates: [pki.client.der],
    signer: pki.client,
    signerKey: pki.clientKey,
    attributes: attributes ?? [
      attribute(OID_SCEP_TRANSACTION_ID, printableString('FUZZ-0002')),
      attribute(OID_SCEP_MESSAGE_TYPE, printableString('19')),
      attribute(OID_SCEP_SENDER_NONCE, octetString(Buffer.alloc(16, 9))),
    ],
    signingTime: null,
    signatureAlgorithm: 'rsaEncryption',
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Mutations.

const HUGE_LENGTHS = [0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x1_0000_0000, 2 ** 31 + 17, 2 ** 40, 2 ** 53 - 1, 0x0100_0000, 0x0004_0001];

const treeMutation: fc.Arbitrary<TreeMutation> = fc.oneof(
  fc.record({ kind: fc.constant('length' as const), length: fc.constantFrom(...HUGE_LENGTHS), octets: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('lengthOffByOne' as const), delta: fc.constantFrom(1 as const, -1 as const) }),
  fc.record({ kind: fc.constant('longFormLength' as const), octets: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('indefinite' as const), dropEoc: fc.boolean() }),
  fc.record({ kind: fc.constant('chunk' as const), size: fc.integer({ min: 1, max: 300 }), depth: fc.integer({ min: 1, max: 60 }), indefinite: fc.boolean() }),
  fc.record({
    kind: fc.constant('nest' as const),
    depth: fc.oneof(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 40, max: 60 }), fc.integer({ min: 500, max: 3000 })),
    tag: fc.constantFrom(0x30, 0x31, 0x24, 0xa0, 0x80),
    indefinite: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('retag' as const),
    id: fc.oneof(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 1 }), fc.constant([0x1f, 0x81, 0x80, 0x80, 0x80, 0x01]), fc.constant([0x3f, 0x2a])),
  }),
  fc.record({ kind: fc.constant('content' as const), bytes: fc.uint8Array({ maxLength: 64 }) }),
  fc.record({ kind: fc.constant('raw' as const), bytes: fc.uint8Array({ maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const) }),
  fc.record({ kind: fc.constant('duplicate' as const), times: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 8, max: 80 })) }),
  fc.record({ kind: fc.constant('swap' as const), with: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), bytes: fc.oneof(fc.uint8Array({ minLength: 2, maxLength: 12 }), fc.constant(new Uint8Array([0x30, 0x80])), fc.constant(new Uint8Array([0, 0]))) }),
  fc.record({ kind: fc.constant('truncateContent' as const), keep: fc.nat() }),
);

/** 1-3 structural mutations of a seed, each at a node picked by number (modulo the node count). */
const treeMutations = fc.array(fc.tuple(fc.nat(), treeMutation), { minLength: 1, maxLength: 3 });

function applyTreeMutations(seed: Buffer, mutations: ReadonlyArray<readonly [number, TreeMutation]>): Buffer {
  const tree = toTree(seed);
  let out = seed;
  for (const [at, mutation] of mutations) out = mutateTree(tree, at, mutation);
  return out;
}

const byteMutations = fc.array(byteMutation, { minLength: 1, maxLength: 4 });

// ---------------------------------------------------------------------------------------------------------------

describe(`fuzz: request path (seed ${SEED}${RUNS !== undefined ? `, ${RUNS} runs` : ''})`, () => {
  afterAll(() => {
    // Where each family's inputs ended up (printed so that a weak fuzzer shows; asserted below per family).
    const rows = [...reached.entries()].map(([family, r]) => `${family.padEnd(34)} ${JSON.stringify(r)}`);
    process.stdout.write(`fuzz depth reached (seed ${SEED}):\n${rows.join('\n')}\npeak heap+arrayBuffers growth: ${(memoryPeak / 1048576).toFixed(1)} MiB\n`);
  });

  it('the seeds themselves go all the way (a fuzzer of dead seeds tests nothing)', () => {
    for (const seed of MESSAGE_SEEDS) expect(pipeline(seed)).toBe('messageData');
    expect(pipeline(signedAround(ENVELOPE_SEEDS[0]))).toBe('messageData');
  });

  it('structural mutations of real requests (lengths, indefinite forms, chunking, nesting, tags, elements)', () => {
    fc.assert(
      fc.property(fc.nat(MESSAGE_SEEDS.length - 1), treeMutations, (which, mutations) => {
        count('message/structure', pipeline(applyTreeMutations(MESSAGE_SEEDS[which], mutations)));
      }),
      params(2500),
    );
    expectReached('message/structure', 'parsed', 0.2);
    expectReached('message/structure', 'messageData', 0.05);
  });

  it('byte-level mutations of real requests (bit flips, insertions, deletions, truncations, repeats)', () => {
    fc.assert(
      fc.property(fc.nat(MESSAGE_SEEDS.length - 1), byteMutations, (which, mutations) => {
        count('message/bytes', pipeline(applyByteMutations(MESSAGE_SEEDS[which], mutations)));
      }),
      params(2500),
    );
    expectReached('message/bytes', 'parsed', 0.03);
  });

  it('mutated envelopes under a valid signature (reach openEnvelope with a verified message)', () => {
    fc.assert(
      fc.property(fc.nat(ENVELOPE_SEEDS.length - 1), fc.oneof(treeMutations.map((t) => ({ t })), byteMutations.map((b) => ({ b }))), (which, m) => {
        const seed = ENVELOPE_SEEDS[which];
        const envelope = 't' in m ? applyTreeMutations(seed, m.t) : applyByteMutations(seed, m.b);
        count('envelope', pipeline(signedAround(envelope)));
      }),
      params(700),
    );
    expectReached('envelope', 'verified', 0.9);
    expectReached('envelope', 'opened', 0.03);
  });

  it('mutated messageData under a valid signature and envelope (reach parseCsr / parseIssuerAndSubject)', () => {
    const ciphers: ContentCipher[] = ['aes-128-cbc', 'aes-256-cbc', 'des-ede3-cbc', 'des-cbc'];
    fc.assert(
      fc.property(
        fc.nat(MESSAGE_DATA_SEEDS.length - 1),
        fc.oneof(treeMutations.map((t) => ({ t })), byteMutations.map((b) => ({ b }))),
        fc.constantFrom(...ciphers),
        (which, m, cipher) => {
          const [type, seed] = MESSAGE_DATA_SEEDS[which];
          const data = 't' in m ? applyTreeMutations(seed, m.t) : applyByteMutations(seed, m.b);
          count('messageData', pipeline(request(type, data, cipher, 'sha256')));
        },
      ),
      params(700),
    );
    expectReached('messageData', 'opened', 0.9);
    expectReached('messageData', 'messageData', 0.1);
  });

  it('hostile signed attributes under a valid signature (transactionID, messageType, nonces of every type and size)', () => {
    const stringValue = fc.oneof(
      fc.string({ maxLength: 40 }).map((s) => tlv(0x13, Buffer.from(s, 'latin1'))),
      fc.string({ unit: 'binary', maxLength: 40 }).map((s) => tlv(0x0c, Buffer.from(s, 'utf8'))),
      fc.tuple(fc.constantFrom(0x1e, 0x1c, 0x14, 0x16, 0x12, 0x1a), fc.uint8Array({ maxLength: 40 })).map(([tag, b]) => tlv(tag, b)),
      fc.uint8Array({ minLength: 1, maxLength: 40 }).map((b) => tlv(0x33, tlv(0x13, b), tlv(0x13, b))),
      fc.integer({ min: 250, max: 300 }).map((n) => tlv(0x13, Buffer.alloc(n, 0x41))),
      fc.integer({ min: 60, max: 70 }).map((n) => tlv(0x1e, Buffer.alloc(n * 4, 0x41))),
      fc.constantFrom(tlv(0x13), tlv(0x04, Buffer.from('x')), tlv(0x05), Buffer.from([0x13, 0x80, 0x00, 0x00]), tlv(0x13, Buffer.from([0, 0x41, 0]))),
    );
    const nonceValue = fc.oneof(
      fc.uint8Array({ maxLength: 80 }).map((b) => octetString(b)),
      fc.uint8Array({ minLength: 1, maxLength: 30 }).map((b) => tlv(0x24, octetString(b), octetString(b))),
      fc.constantFrom(tlv(0x13, Buffer.from('nonce')), tlv(0x24)),
    );
    // Mostly one value each (so that many messages parse and the CertRep echo is exercised), sometimes two or none.
    const values = <T>(value: fc.Arbitrary<T>) =>
      fc.option(fc.oneof({ arbitrary: value.map((v) => [v]), weight: 6 }, { arbitrary: fc.tuple(value, value), weight: 1 }), { freq: 12 });
    const attributes = fc.record({
      transactionId: values(stringValue),
      messageType: fc.option(fc.oneof(stringValue, fc.constantFrom('19', '20', '3', '0019', '-1', '999999999', '1e3', '19 ').map((t) => tlv(0x13, Buffer.from(t))))),
      senderNonce: values(nonceValue),
      signingTime: fc.option(fc.oneof(fc.string({ maxLength: 20 }).map((s) => tlv(0x17, Buffer.from(s, 'latin1'))), fc.constant(tlv(0x18, Buffer.from('99991231235960.123456789+2359'))))),
      duplicateTransactionId: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    });
    fc.assert(
      fc.property(attributes, (a) => {
        const list: Buffer[] = [];
        if (a.transactionId) list.push(Buffer.concat([tlv(0x30, derWriter.oid(OID_SCEP_TRANSACTION_ID), tlv(0x31, ...a.transactionId))]));
        if (a.duplicateTransactionId) list.push(attribute(OID_SCEP_TRANSACTION_ID, printableString('dup')));
        if (a.messageType) list.push(attribute(OID_SCEP_MESSAGE_TYPE, a.messageType));
        if (a.senderNonce) list.push(tlv(0x30, derWriter.oid(OID_SCEP_SENDER_NONCE), tlv(0x31, ...a.senderNonce)));
        if (a.signingTime) list.push(attribute(OID_SIGNING_TIME, a.signingTime));
        count('signedAttrs', pipeline(signedAround(ENVELOPE_SEEDS[0], list)));
      }),
      params(600),
    );
    expectReached('signedAttrs', 'verified', 0.1);
  });

  it('random bytes, bare and behind plausible headers', () => {
    const contentInfoPrefix = Buffer.from('3080060' + '92a864886f70d010702a080', 'hex'); // ContentInfo(signedData) [0] indefinite
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 600 }),
        fc.constantFrom(Buffer.alloc(0), Buffer.from([0x30, 0x80]), Buffer.from([0x30, 0x82, 0x01, 0x00]), Buffer.from([0x30, 0x84, 0x7f, 0xff, 0xff, 0xff]), contentInfoPrefix),
        (bytes, prefix) => {
          count('random', pipeline(Buffer.concat([prefix, bytes])));
        },
      ),
      params(2500),
    );
  });

  it('the pki readers on their own: mutated CSRs, certificates and Names', () => {
    const certs = [pki.client.der, pki.ra.der, pki.ca.der, fixtureCert('issued.crt.pem').der, fixtureCert('windows-signer.crt.pem').der];
    const names = [pki.ca.subjectDer, pki.client.subjectDer];
    fc.assert(
      fc.property(fc.nat(2), fc.nat(), fc.oneof(treeMutations.map((t) => ({ t })), byteMutations.map((b) => ({ b }))), (kind, which, m) => {
        const started = performance.now();
        const mutate = (seed: Buffer) => ('t' in m ? applyTreeMutations(seed, m.t) : applyByteMutations(seed, m.b));
        if (kind === 0) stage('parseCsr', PKI, () => parseCsr(mutate([pki.csr, scepclientCsr][which % 2])));
        if (kind === 1) stage('readCertificate', PKI, () => readCertificate(mutate(certs[which % certs.length])));
        if (kind === 2) stage('formatDistinguishedName', PKI, () => formatDistinguishedName(mutate(names[which % names.length])));
        if (performance.now() - started > HANG_MS) throw new Error('hang guard');
      }),
      params(2500),
    );
  });

  it('a certs-only bag reader (GetCACert client side) under the same mutations', () => {
    const bag = fixture('openssl/ra-ca-bag.der');
    fc.assert(
      fc.property(fc.oneof(treeMutations.map((t) => ({ t })), byteMutations.map((b) => ({ b }))), (m) => {
        stage('readCertsOnly', CODEC, () => readCertsOnly('t' in m ? applyTreeMutations(bag, m.t) : applyByteMutations(bag, m.b)));
      }),
      params(1000),
    );
  });

  describe('decodeGetMessageParam over arbitrary query strings', () => {
    const good = scepclientPost.toString('base64');

    function decodeChecked(query: string): Buffer | undefined {
      const started = performance.now();
      let out: Buffer | undefined;
      try {
        out = decodeGetMessageParam(query);
      } catch (e) {
        throw new ContractViolation('decodeGetMessageParam', e);
      }
      if (out !== undefined && (!Buffer.isBuffer(out) || out.length === 0 || out[0] !== 0x30)) throw new Error('decoded something that is not a SEQUENCE');
      const elapsed = performance.now() - started;
      if (elapsed > HANG_MS) throw new Error(`a query of ${query.length} characters took ${Math.round(elapsed)} ms (hang guard)`);
      return out;
    }

    it('never throws on any string, and what it decodes goes through the pipeline', () => {
      const alphabet = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ %&#?\r\n\t'.split(''), '%2B', '%3D', '%0A', '%0D%0A', '%', '%%', '%G1', '=', 'message=', '&message=');
      const query = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.string({ unit: 'grapheme', maxLength: 200 }).map((s) => `operation=PKIOperation&message=${s}`),
        fc.array(alphabet, { maxLength: 300 }).map((parts) => `message=${parts.join('')}`),
        fc.tuple(fc.nat(good.length), byteMutations).map(([cut, m]) => `message=${applyByteMutations(Buffer.from(encodeURIComponent(good.slice(0, cut + 4))), m).toString('latin1')}`),
        fc.tuple(fc.nat(scepclientGetQuery.length), fc.string({ maxLength: 8 })).map(([at, s]) => scepclientGetQuery.slice(0, at) + s + scepclientGetQuery.slice(at)),
      );
      fc.assert(
        fc.property(query, (q) => {
          const der = decodeChecked(q);
          count('get-message', der ? pipeline(der) : 'rejected');
        }),
        params(3000),
      );
      expectReached('get-message', 'parsed', 0.01);
    });

    it('stays linear on long runs of one character (runs of "=", "%", "%3D", "-", spaces, line breaks)', () => {
      for (const unit of ['=', '%3D', '%', '%%3', '-', ' ', '%0A', 'A', '+']) {
        for (const n of [1024, 64 * 1024, 256 * 1024]) {
          for (const tail of ['', 'A', '=A', '%']) {
            const value = unit.repeat(Math.ceil(n / unit.length)).slice(0, n) + tail;
            decodeChecked(`operation=PKIOperation&message=${value}`);
            decodeChecked(`message=MI${value}`);
          }
        }
      }
    });

    it('a message of 256 KiB + 1 characters is refused without being decoded', () => {
      expect(decodeChecked(`message=${'A'.repeat(256 * 1024 + 1)}`)).toBeUndefined();
    });
  });

  describe('declared lengths are never allocated, nesting is capped, chunk bombs are cheap', () => {
    /** ContentInfo(signedData) whose [0] declares `length` and carries `tail`. */
    const claimed = (length: number, tail: Buffer) =>
      Buffer.concat([Buffer.from('3084', 'hex'), Buffer.from([0x7f, 0xff, 0xff, 0xff]), Buffer.from('06092a864886f70d010702', 'hex'), Buffer.from([0xa0, 0x84]), be32(length), tail]);

    const hostile: Array<[string, Buffer]> = [
      ['outer SEQUENCE declaring 2 GiB', Buffer.concat([Buffer.from([0x30, 0x84, 0x80, 0x00, 0x00, 0x00]), randomish(64)])],
      ['outer SEQUENCE declaring 4 GiB - 1', Buffer.concat([Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), randomish(64)])],
      ['an 8-octet length (2^63)', Buffer.concat([Buffer.from([0x30, 0x88, 0x80, 0, 0, 0, 0, 0, 0, 0]), randomish(16)])],
      ['a 127-octet length (0xFF length byte)', Buffer.concat([Buffer.from([0x30, 0xff]), Buffer.alloc(127, 0xff)])],
      ['[0] content declaring 2 GiB inside a ContentInfo', claimed(0x8000_0000, randomish(200))],
      ['eContent OCTET STRING declaring 2 GiB', lieAt(builtPkcsReq, 0x04, 0x8000_0000)],
      ['certificate declaring 2 GiB', lieAt(builtPkcsReq, 0xa0, 0x7fff_ffff, 1)],
      ['10 000 nested indefinite SEQUENCEs', Buffer.concat([alternating(20_000, 0x30, 0x80), Buffer.alloc(20_000)])],
      ['100 000 nested definite SEQUENCEs (4-octet lengths)', nestedDefinite(100_000)],
      ['an eContent of 120 000 one-octet chunks', chunkBomb(120_000)],
      ['a 256 KiB body of indefinite SEQUENCE headers without end-of-contents', alternating(256 * 1024, 0x30, 0x80)],
      ['a 256 KiB body of [0] constructed headers', alternating(256 * 1024, 0xa0, 0x80)],
    ];

    it.each(hostile)('%s: refused as MALFORMED, no large allocation', (_name, der) => {
      const rssBefore = peakRss();
      const before = process.memoryUsage();
      let error: unknown;
      const largest = largestAllocation(() => {
        try {
          parsePkiMessage(der);
        } catch (e) {
          error = e;
        }
        // The full pipeline as well (some variants parse; the envelope reader must hold too).
        pipeline(der);
      });
      expect(error).toBeInstanceOf(ScepCodecError);
      expect((error as ScepCodecError).code).toBe('MALFORMED');
      // Nothing sized by a declared length: the largest buffer is of the order of the input (copies of it).
      expect(largest).toBeLessThanOrEqual(4 * der.length + 64 * 1024);
      const after = process.memoryUsage();
      expect(after.arrayBuffers - before.arrayBuffers).toBeLessThan(64 * 1024 * 1024);
      const rssAfter = peakRss();
      if (rssBefore !== undefined && rssAfter !== undefined) expect(rssAfter - rssBefore).toBeLessThan(256 * 1024 * 1024);
    });

    it('a request whose envelope declares a 2 GiB encryptedContent is a DECRYPT failure (badRequest), not an allocation', () => {
      const lying = lieAt(ENVELOPE_SEEDS[0], 0x80, 0x8000_0000);
      const message = parsePkiMessage(signedAround(lying));
      expect(verifyPkiMessage(message)).toBeDefined();
      let error: unknown;
      const largest = largestAllocation(() => {
        try {
          openEnvelope(message.content as Buffer, [raRecipient]);
        } catch (e) {
          error = e;
        }
      });
      expect(error).toBeInstanceOf(ScepCodecError);
      expect((error as ScepCodecError).code).toBe('DECRYPT');
      expect(largest).toBeLessThanOrEqual(64 * 1024);
    });

    it('over the whole file, heap + array buffers grew by less than 256 MiB', () => {
      sampleMemory();
      expect(memoryPeak).toBeLessThan(256 * 1024 * 1024);
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Builders for the hostile inputs.

/** Four big-endian length octets. */
function be32(n: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(n >>> 0);
  return out;
}

/** a, b, a, b, ... (`n` octets): header after header, never a content. */
function alternating(n: number, a: number, b: number): Buffer {
  const out = Buffer.alloc(n, a);
  for (let i = 1; i < n; i += 2) out[i] = b;
  return out;
}

/** Deterministic filler. */
function randomish(n: number): Buffer {
  const out = Buffer.alloc(n);
  let x = 0x12345678;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** The `nth` TLV with identifier `tag` in `der` (pre-order), rewritten to declare `length` (4 length octets), all else unchanged. */
function lieAt(der: Buffer, tag: number, length: number, nth = 0): Buffer {
  const tree = toTree(der);
  const all: Array<ReturnType<typeof toTree>> = [];
  const walk = (n: ReturnType<typeof toTree>) => {
    all.push(n);
    n.children?.forEach(walk);
    if (n.inner) walk(n.inner);
  };
  walk(tree);
  const matches = all.filter((n) => n.id.length === 1 && n.id[0] === tag);
  const target = matches[nth];
  if (!target) throw new Error(`no TLV with tag ${tag.toString(16)}`);
  target.lengthOverride = Buffer.concat([Buffer.from([0x84]), be32(length)]);
  return encodeTree(tree);
}

function nestedDefinite(depth: number): Buffer {
  let inner = Buffer.from([0x05, 0x00]);
  const headers: Buffer[] = [];
  let total = inner.length;
  for (let i = 0; i < depth; i++) {
    const header = Buffer.concat([Buffer.from([0x30, 0x84]), be32(total)]);
    headers.push(header);
    total += header.length;
  }
  inner = Buffer.concat([...headers.reverse(), inner]);
  return inner;
}

/** A request whose eContent is a constructed OCTET STRING of `n` one-octet chunks. */
function chunkBomb(n: number): Buffer {
  const chunks = Buffer.alloc(n * 3);
  for (let i = 0; i < n; i++) chunks.set([0x04, 0x01, 0x30], i * 3);
  const eContent = Buffer.concat([Buffer.from([0x24, 0x80]), chunks, Buffer.from([0, 0])]);
  const tree = toTree(builtPkcsReq);
  const signedData = tree.children?.[1]?.children?.[0];
  const encap = signedData?.children?.[2];
  if (!encap?.children?.[1]) throw new Error('unexpected seed layout');
  encap.children[1] = { id: Buffer.from([0xa0]), constructed: true, indefinite: true, children: [{ id: Buffer.alloc(0), constructed: false, indefinite: false, raw: eContent }] };
  return encodeTree(tree);
}

