// `npm start`: build, migrate, run every service as its own process on local defaults, bootstrap a dev tenant,
// print the SCEP URL and the challenge. Ctrl-C stops everything this script started.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { dropIfForeign, label } from './dev-database.mjs';

const require = createRequire(import.meta.url);
const { ROOT, runMigrations, startStack } = require('../stack/stack.cjs');
const { generateSecrets, secretEnv } = require('../stack/secrets.cjs');
const { ensureTenantProfile } = require('../stack/admin-client.cjs');

/** Where dev secrets and logs live; SCEP_DEV_HOME lets tests (and parallel checkouts) use another place. */
const LOCAL = process.env.SCEP_DEV_HOME ? path.resolve(process.env.SCEP_DEV_HOME) : path.join(ROOT, '.local');
const SECRETS_FILE = path.join(LOCAL, 'dev-secrets.json');
const LOG_DIR = path.join(LOCAL, 'logs');
const env = process.env;

const gatewayPort = env.SCEP_GATEWAY_PORT ?? '8080';
const adminPort = env.ADMIN_API_PORT ?? '8081';
const publicBase = env.SCEP_PUBLIC_BASE_URL ?? `http://127.0.0.1:${gatewayPort}`;
const databaseUrl = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/scep_dev';

function step(message) {
  process.stdout.write(`» ${message}\n`);
}

function loadOrCreateSecrets() {
  if (fs.existsSync(SECRETS_FILE)) {
    // A file from an older checkout may lack a secret added since: add it, keep the others (they wrap stored keys).
    const stored = JSON.parse(fs.readFileSync(SECRETS_FILE, 'utf8'));
    const secrets = { ...generateSecrets(), ...stored };
    if (Object.keys(secrets).length !== Object.keys(stored).length) fs.writeFileSync(SECRETS_FILE, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    return { secrets, created: false };
  }
  fs.mkdirSync(LOCAL, { recursive: true });
  const secrets = generateSecrets();
  fs.writeFileSync(SECRETS_FILE, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return { secrets, created: true };
}

/**
 * Prints what a person at the terminal must see from the services' log files: error and fatal lines, and anything
 * that is not a JSON log line (a crash's stack trace). Reads only what was appended since the last look.
 */
function tailErrors(services) {
  const offsets = new Map(services.map((service) => [service, fileSize(path.join(LOG_DIR, `${service}.log`))]));
  const timer = setInterval(() => {
    for (const service of services) {
      const file = path.join(LOG_DIR, `${service}.log`);
      const size = fileSize(file);
      const from = offsets.get(service) ?? 0;
      if (size <= from) continue;
      const length = Math.min(size - from, 1024 * 1024);
      const buffer = Buffer.alloc(length);
      const fd = fs.openSync(file, 'r');
      try {
        fs.readSync(fd, buffer, 0, length, from);
      } finally {
        fs.closeSync(fd);
      }
      const text = buffer.toString('utf8');
      const complete = text.lastIndexOf('\n') + 1;
      offsets.set(service, from + Buffer.byteLength(text.slice(0, complete)));
      for (const line of text.slice(0, complete).split('\n')) {
        if (line && (/"level":"(error|fatal)"/.test(line) || !line.startsWith('{'))) process.stdout.write(`[${service}] ${line}\n`);
      }
    }
  }, 500);
  timer.unref();
  return () => clearInterval(timer);
}

function fileSize(file) {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

let stack;
let stopping = false;
async function stop(code) {
  if (stopping) return;
  stopping = true;
  if (stack) {
    step('stopping…');
    await stack.stop();
  }
  process.exit(code);
}

async function main() {
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  step('building (tsc)…');
  const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('build failed');

  const { secrets, created } = loadOrCreateSecrets();
  const serviceEnv = {
    DATABASE_URL: databaseUrl,
    SCEP_GATEWAY_PORT: gatewayPort,
    ADMIN_API_PORT: adminPort,
    SCEP_PUBLIC_BASE_URL: publicBase,
    SIGNER_CRL_BASE_URL: env.SIGNER_CRL_BASE_URL ?? publicBase,
    REDIS_PREFIX: env.REDIS_PREFIX ?? 'scep-dev',
    RPC_NAMESPACE: env.RPC_NAMESPACE ?? 'scep-dev',
    // Development only: webhooks and a fake Intune on this machine (loopback, any port). Production leaves it off.
    CHALLENGE_OUTBOUND_ALLOW_PRIVATE: env.CHALLENGE_OUTBOUND_ALLOW_PRIVATE ?? 'true',
    ...secretEnv(secrets),
  };

  if (created) step(`generated dev secrets in ${path.relative(process.cwd(), SECRETS_FILE) || SECRETS_FILE}`);
  // Only the default dev database is ours to reset; a DATABASE_URL given by the user is never dropped.
  if (!env.DATABASE_URL && (await dropIfForeign(ROOT, databaseUrl, secrets))) {
    step('the dev database held keys wrapped under other dev secrets (another checkout, or a new .local/): started afresh');
  }
  step('migrating…');
  step(await runMigrations({ ...serviceEnv, MIGRATE_CREATE_DATABASE: 'true' }));
  if (!env.DATABASE_URL) await label(ROOT, databaseUrl, secrets);

  step(`starting services (logs in ${path.relative(process.cwd(), LOG_DIR) || LOG_DIR}/)…`);
  // Services write their logs straight into the files; this process only glances at them for errors.
  stack = await startStack({ env: serviceEnv, logDir: LOG_DIR });
  const stopTailing = tailErrors([...stack.services.keys()]);
  process.once('exit', stopTailing);
  for (const [service] of stack.services) step(`${service} ready`);

  step('bootstrapping dev tenant "dev", CA "dev-ca", profile "default"…');
  const { profile } = await ensureTenantProfile({
    adminUrl: `http://127.0.0.1:${adminPort}`,
    apiKey: secrets.ADMIN_BOOTSTRAP_API_KEY,
    tenant: 'dev',
    caName: 'dev-ca',
    caSubject: 'CN=Dev SCEP CA,O=SCEP Platform (development)',
    profile: 'default',
    challenge: secrets.DEV_CHALLENGE,
    // Explicitly, for the development profile only: micromdm's scepclient (the README's client) encrypts with single
    // DES whatever GetCACaps says. New profiles accept AES and 3DES only (docs/adr/008-abuse-and-client-addresses.md).
    contentCiphers: ['aes-128-cbc', 'aes-192-cbc', 'aes-256-cbc', 'des-ede3-cbc', 'des-cbc'],
    // A new profile allows no SAN type until its rules name one; the development profile names all four.
    policy: { subjectAltNames: { dns: {}, email: {}, uri: {}, ip: {} } },
  });

  process.stdout.write(`\nSCEP URL: ${profile.scepUrl}\nChallenge: ${secrets.DEV_CHALLENGE}\n`);
  process.stdout.write(`Admin API: http://127.0.0.1:${adminPort} (OpenAPI at /openapi.json; platform API key in ${path.relative(process.cwd(), SECRETS_FILE) || SECRETS_FILE})\n`);
  process.stdout.write('Press Ctrl-C to stop.\n');
}

main().catch(async (error) => {
  process.stderr.write(`npm start failed: ${error instanceof Error ? error.message : String(error)}\n`);
  await stop(1);
});
