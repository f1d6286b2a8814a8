/**
 * `npm run fuzz:gateway`: 100,000 hostile requests against a running platform's gateway — random paths (unknown
 * tenants, profiles and CRL ids, which the gateway's caches must not keep), mangled and random pkiMessages by POST
 * and GET under any Content-Type, forged X-Forwarded-For, oversize bodies, and a few malformed HTTP requests on raw
 * sockets. Prints the answers by status, the gateway's resident memory before and after, whether it stayed up, and
 * whether a real enrollment still works afterwards. Bounded and loopback only; the platform runs on the machine's
 * PostgreSQL, Redis and NATS in its own database, Redis prefix and RPC namespace. Exit code 1 when any 5xx was
 * answered, the gateway died, its RSS grew by more than the limit, or the final enrollment failed.
 */
import { generateKeyPairSync, randomBytes, randomInt, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildPkiRequest } from '@scep/codec';
import { readCertificate } from '@scep/pki';
import { HttpClient, type ScepEndpoint, checkReply, csrWithChallenge, fetchScepEndpoint, selfSignedCertificate } from '../enrollment-load';
import { Platform, buildPlatform } from './platform';

interface Options {
  requests: number;
  concurrency: number;
  rssLimitMb: number;
  warmup: number;
  build: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const options: Options = { requests: 100_000, concurrency: 32, rssLimitMb: 50, warmup: 5_000, build: true };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--requests') options.requests = Math.min(1_000_000, Math.max(1, Number(value)));
    else if (flag === '--concurrency') options.concurrency = Math.min(256, Math.max(1, Number(value)));
    else if (flag === '--rss-limit-mb') options.rssLimitMb = Number(value);
    else if (flag === '--warmup') options.warmup = Math.max(0, Number(value));
    else if (flag === '--no-build') {
      options.build = false;
      continue;
    } else if (flag === '--help') {
      process.stdout.write('npm run fuzz:gateway -- [--requests 100000] [--concurrency 32] [--warmup 5000] [--rss-limit-mb 50] [--no-build]\n');
      process.exit(0);
    } else throw new Error(`unknown option ${flag}`);
    i++;
  }
  return options;
}

const log = (line: string) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);

/** The gateway's V8 heap and off-heap memory from its /metrics (standard prom-client names), in MB. */
async function heapOf(opsUrl: string | undefined): Promise<string> {
  if (!opsUrl) return 'heap n/a';
  try {
    const text = await (await fetch(`${opsUrl}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN) / 1048576;
    return `heap used ${value('nodejs_heap_size_used_bytes').toFixed(1)} / total ${value('nodejs_heap_size_total_bytes').toFixed(1)} MB, external ${value('nodejs_external_memory_bytes').toFixed(1)} MB`;
  } catch {
    return 'heap n/a';
  }
}

function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

const CONTENT_TYPES = ['application/x-pki-message', 'application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', '', 'x/'.repeat(200)];
const FORWARDED = ['', 'not-an-ip', '1.2.3.4', '::ffff:10.0.0.1', 'a'.repeat(300), '1.1.1.1, '.repeat(200), '[::1]:80', '999.999.999.999'];
const OPERATIONS = ['GetCACaps', 'GetCACert', 'GetNextCACert', 'PKIOperation', 'getcacaps', 'Nope', '', '%00', 'GetCACaps&operation=GetCACert'];

/** A random slug-ish or hostile path segment. */
function segment(): string {
  switch (randomInt(5)) {
    case 0:
      return randomBytes(randomInt(1, 12)).toString('hex');
    case 1:
      return encodeURIComponent(randomBytes(randomInt(1, 40)).toString('latin1'));
    case 2:
      return 'a'.repeat(randomInt(60, 400));
    case 3:
      return '..%2F..%2Fetc%2Fpasswd';
    default:
      return randomUUID();
  }
}

/** One byte flipped, a slice cut out, random bytes inserted, or the message truncated. */
function mangle(seed: Buffer): Buffer {
  const copy = Buffer.from(seed);
  switch (randomInt(4)) {
    case 0:
      for (let i = randomInt(1, 8); i > 0; i--) copy[randomInt(copy.length)] ^= 1 << randomInt(8);
      return copy;
    case 1: {
      const at = randomInt(copy.length);
      return Buffer.concat([copy.subarray(0, at), copy.subarray(Math.min(copy.length, at + randomInt(1, 64)))]);
    }
    case 2: {
      const at = randomInt(copy.length);
      return Buffer.concat([copy.subarray(0, at), randomBytes(randomInt(1, 64)), copy.subarray(at)]);
    }
    default:
      return copy.subarray(0, randomInt(copy.length));
  }
}

interface Fuzzer {
  readonly base: string;
  readonly scepPath: string;
  readonly seeds: readonly Buffer[];
}

/** One hostile request: method, URL, body and headers. */
function nextRequest(f: Fuzzer): { method: 'GET' | 'POST'; url: string; body?: Buffer; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  const xff = FORWARDED[randomInt(FORWARDED.length)] as string;
  if (xff) headers['x-forwarded-for'] = xff;
  const roll = randomInt(100);
  if (roll < 30) {
    // Paths the caches must not remember: unknown tenants and profiles, CRL ids, random routes.
    const kind = randomInt(3);
    const url =
      kind === 0
        ? `${f.base}/scep/${segment()}/${segment()}?operation=${OPERATIONS[randomInt(OPERATIONS.length)]}`
        : kind === 1
          ? `${f.base}/crl/${randomUUID()}/${randomUUID()}.crl`
          : `${f.base}/${segment()}/${segment()}`;
    return { method: 'GET', url, headers };
  }
  if (roll < 45) {
    const op = OPERATIONS[randomInt(OPERATIONS.length)] as string;
    return { method: 'GET', url: `${f.base}${f.scepPath}?operation=${op}&message=${encodeURIComponent(randomBytes(randomInt(0, 200)).toString('base64'))}`, headers };
  }
  if (roll < 80) {
    const body = mangle(f.seeds[randomInt(f.seeds.length)] as Buffer);
    headers['content-type'] = CONTENT_TYPES[randomInt(CONTENT_TYPES.length)] as string;
    return { method: 'POST', url: `${f.base}${f.scepPath}?operation=PKIOperation`, body, headers };
  }
  if (roll < 90) {
    const body = randomBytes(randomInt(0, 4096));
    headers['content-type'] = CONTENT_TYPES[randomInt(CONTENT_TYPES.length)] as string;
    return { method: 'POST', url: `${f.base}${f.scepPath}?operation=PKIOperation`, body, headers };
  }
  if (roll < 92) {
    // Over the body limit (256 KiB by default): 413.
    return { method: 'POST', url: `${f.base}${f.scepPath}?operation=PKIOperation`, body: randomBytes(300 * 1024), headers };
  }
  const message = mangle(f.seeds[randomInt(f.seeds.length)] as Buffer).toString('base64');
  return { method: 'GET', url: `${f.base}${f.scepPath}?operation=PKIOperation&message=${randomInt(2) ? encodeURIComponent(message) : message}`, headers };
}

/** A malformed HTTP request on a raw socket; resolves with the status line's code (0: closed without an answer). */
function rawMalformed(port: number): Promise<number> {
  const heads = [
    'GET /scep/a/b?operation=GetCACaps HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n',
    'POST /scep/a/b?operation=PKIOperation HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    `GET /${'x'.repeat(200_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
    'GARBAGE\r\n\r\n',
    `GET / HTTP/1.1\r\n${'X-A: b\r\n'.repeat(3000)}\r\n`,
  ];
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let answer = '';
    const timer = setTimeout(() => socket.destroy(), 10_000);
    socket.on('data', (d) => (answer += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(answer)?.[1] ?? 0));
    });
    socket.end(heads[randomInt(heads.length)]);
  });
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.build) buildPlatform(log);
  const database = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  database.pathname = `/scep_fuzz_${randomBytes(4).toString('hex')}`;
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scep-fuzz-'));
  log(`starting the platform (database ${database.pathname.slice(1)}, logs in ${logDir})…`);
  const platform = await Platform.start(
    { databaseUrl: database.toString(), redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' },
    logDir,
    'warn',
    // Keep the gateway's own defaults (FAILURE budget, body limit): this is what is being fuzzed.
    { SCEP_GATEWAY_FAILURES_PER_CLIENT: '30' },
  );
  let failed = false;
  try {
    const gatewayPid = platform.pid('scep-gateway');
    if (!gatewayPid) throw new Error('gateway not running');
    const client = new HttpClient(options.concurrency);
    const scepUrl = new URL(platform.scepUrl);
    const endpoint = await fetchScepEndpoint(client, platform.scepUrl);
    // Seeds: well-formed requests signed by device keys (valid and wrong challenges), mangled before sending.
    const seeds = Array.from({ length: 8 }, (_, i) => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const certificate = readCertificate(selfSignedCertificate(privateKey, `fuzz-seed-${i}`));
      return buildPkiRequest({
        messageType: i % 3 === 0 ? 17 : 19,
        transactionId: randomBytes(16).toString('hex'),
        messageData: csrWithChallenge(privateKey, `CN=fuzz-seed-${i}`, i % 2 ? platform.challenge : 'wrong'),
        signerCertificate: certificate,
        signerKey: privateKey,
        recipients: endpoint.recipients,
        contentCipher: 'aes-128-cbc',
        digestAlgorithm: 'sha256',
      });
    });
    const fuzzer: Fuzzer = { base: `${scepUrl.protocol}//${scepUrl.host}`, scepPath: scepUrl.pathname, seeds };
    const statuses = new Map<string, number>();
    const count = (key: string) => statuses.set(key, (statuses.get(key) ?? 0) + 1);
    let sent = 0;
    let peakRss = 0;
    const run = async (total: number, record: boolean) => {
      let next = 0;
      const worker = async () => {
        while (next < total) {
          next++;
          if (randomInt(100) === 0) {
            const status = await rawMalformed(Number(scepUrl.port));
            if (record) count(`raw ${status === 0 ? 'closed' : status}`);
          } else {
            const request = nextRequest(fuzzer);
            try {
              const reply = await client.request(request.url, { method: request.method, body: request.body, timeoutMs: 30_000, headers: request.headers });
              if (record) count(String(reply.status));
            } catch (error) {
              if (record) count(`transport ${(error as { code?: string }).code ?? 'error'}`);
            }
          }
          if (record) sent++;
          if (record && sent % 10_000 === 0) {
            peakRss = Math.max(peakRss, rssMb(gatewayPid));
            log(`${sent} requests, gateway RSS ${rssMb(gatewayPid).toFixed(1)} MB, ${await heapOf(platform.opsUrl('scep-gateway'))}`);
          }
        }
      };
      await Promise.all(Array.from({ length: options.concurrency }, worker));
    };
    log(`warm-up: ${options.warmup} requests`);
    await run(options.warmup, false);
    const rssBefore = rssMb(gatewayPid);
    log(`gateway RSS after warm-up: ${rssBefore.toFixed(1)} MB, ${await heapOf(platform.opsUrl('scep-gateway'))}; fuzzing with ${options.requests} requests at c=${options.concurrency}`);
    const started = Date.now();
    await run(options.requests, true);
    const seconds = (Date.now() - started) / 1000;
    const alive = platform.pid('scep-gateway') === gatewayPid;
    const rssAfter = alive ? rssMb(gatewayPid) : Number.NaN;
    // Still serving, and honest clients are back once the budget window ends: 127.0.0.1 spent its budget of signed
    // FAILUREs on the mangled requests, so a real enrollment from it is refused with 429 + Retry-After until then.
    const enrolled = await enrollAfterFuzz(client, endpoint, platform.challenge);
    client.close();

    const fivexx = [...statuses].filter(([status]) => /^5\d\d$/.test(status) || /^raw 5/.test(status)).reduce((n, [, c]) => n + c, 0);
    log('');
    log(`requests sent: ${sent} in ${seconds.toFixed(0)} s (${(sent / seconds).toFixed(0)}/s)`);
    for (const [status, n] of [...statuses].sort((a, b) => b[1] - a[1])) log(`  ${status.padEnd(16)} ${n}`);
    log(`5xx answers: ${fivexx}`);
    log(`gateway alive (same pid): ${alive}`);
    log(`gateway RSS: ${rssBefore.toFixed(1)} MB after warm-up, ${rssAfter.toFixed(1)} MB after, peak sampled ${peakRss.toFixed(1)} MB (limit +${options.rssLimitMb} MB)`);
    log(`a real enrollment afterwards: ${enrolled.outcome} after ${enrolled.waitedSeconds} s of Retry-After`);
    failed = fivexx > 0 || !alive || !(rssAfter - rssBefore <= options.rssLimitMb) || enrolled.outcome !== 'success' || sent !== options.requests;
    log(failed ? 'VERDICT: FAIL' : 'VERDICT: PASS');
  } finally {
    await platform.stop();
    fs.rmSync(logDir, { recursive: true, force: true });
    await dropDatabase(database.toString());
  }
  process.exitCode = failed ? 1 : 0;
}

/** One valid enrollment, honouring 429 Retry-After (bounded to 120 s of waiting). */
async function enrollAfterFuzz(client: HttpClient, endpoint: ScepEndpoint, challenge: string): Promise<{ outcome: string; waitedSeconds: number }> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const device = { index: 0, key: privateKey, spkiDer: publicKey.export({ type: 'spki', format: 'der' }) };
  const transactionId = randomBytes(16).toString('hex');
  const der = buildPkiRequest({
    messageType: 19,
    transactionId,
    messageData: csrWithChallenge(privateKey, 'CN=after-fuzz', challenge),
    signerCertificate: readCertificate(selfSignedCertificate(privateKey, 'after-fuzz')),
    signerKey: privateKey,
    recipients: endpoint.recipients,
    contentCipher: 'aes-128-cbc',
    digestAlgorithm: 'sha256',
  });
  let waitedSeconds = 0;
  for (;;) {
    const reply = await client.postPkiOperation(endpoint.url, der, 30_000);
    if (reply.status === 429 && waitedSeconds < 120) {
      const seconds = Math.min(120 - waitedSeconds, Math.max(1, Number(reply.retryAfter) || 5));
      await new Promise((r) => setTimeout(r, seconds * 1000));
      waitedSeconds += seconds;
      continue;
    }
    const outcome = checkReply(reply, endpoint, device, transactionId);
    return { outcome: outcome.kind === 'http' ? `HTTP ${outcome.status}` : outcome.kind, waitedSeconds };
  }
}

async function dropDatabase(url: string): Promise<void> {
  const { Client } = await import('pg');
  const admin = new URL(url);
  const name = admin.pathname.slice(1);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

main().catch((error) => {
  process.stderr.write(`fuzz:gateway failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
