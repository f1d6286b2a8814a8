// Starts the platform's services as local processes from dist/ (the dev launcher and the e2e tests share this).
// Plain CommonJS on purpose: it runs before and independently of the TypeScript build.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');

const ROOT = path.resolve(__dirname, '..', '..');

/** Start order: consumers and RPC servers first, the edges last. */
const SERVICES = ['signer-worker', 'challenge-service', 'policy-service', 'scep-gateway', 'admin-api'];

const mainOf = (service) => path.join(ROOT, 'dist', 'apps', service, 'src', 'main.js');

/** Children still running: killed if this process exits first, so no service outlives the launcher or a test run. */
const live = new Set();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/**
 * Runs `npm run migrate` equivalent (compiled CLI) with the given environment.
 * @param {Record<string,string>} env
 */
function runMigrations(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/libs/persistence/migrations/src/cli.js')], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(output.trim()) : reject(new Error(`migrations failed: ${output.trim()}`))));
  });
}

/**
 * Starts one service and resolves when it is ready.
 * - With `onLine` (tests that read every line): stdout/stderr come through pipes, each line is handed over (and
 *   appended to `logFile`), and the ready line is seen there.
 * - Without it (npm start, the bench): the service writes straight into `logFile` (its own file descriptor, so this
 *   process does no work per log line), and says it is ready over an IPC channel.
 * @param {string} service
 * @param {{ env: Record<string,string>, logFile?: string, onLine?: (service: string, line: string) => void, readyTimeoutMs?: number }} options
 */
function startService(service, options) {
  return new Promise((resolve, reject) => {
    // SCEP_STACK_NODE_ARGS adds Node flags to every service (e.g. --cpu-prof for profiling; NODE_OPTIONS refuses it).
    const extra = (process.env.SCEP_STACK_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const direct = !options.onLine && options.logFile;
    const fd = direct ? fs.openSync(options.logFile, 'a') : undefined;
    const child = spawn(process.execPath, ['--enable-source-maps', ...extra, mainOf(service)], {
      cwd: ROOT,
      env: { ...process.env, ...options.env },
      stdio: direct ? ['ignore', fd, fd, 'ipc'] : ['ignore', 'pipe', 'pipe'],
    });
    if (fd !== undefined) fs.closeSync(fd); // the child has its own copy
    live.add(child);
    const log = !direct && options.logFile ? fs.createWriteStream(options.logFile, { flags: 'a' }) : undefined;
    const tail = [];
    let ready = false;
    const recentLines = () => (direct ? lastLines(options.logFile, 30) : tail);
    const timer = setTimeout(() => {
      if (!ready) {
        child.kill('SIGKILL');
        reject(new Error(`${service} not ready after ${options.readyTimeoutMs ?? 60000} ms:\n${recentLines().join('\n')}`));
      }
    }, options.readyTimeoutMs ?? 60000);
    const becameReady = (details) => {
      if (ready) return;
      ready = true;
      clearTimeout(timer);
      if (direct) child.disconnect?.(); // the channel was only for this
      resolve({ service, child, details });
    };
    if (direct) {
      child.on('message', (message) => {
        if (message && message.event === 'ready') becameReady(message);
      });
    } else {
      const onLine = (line) => {
        log?.write(`${line}\n`);
        tail.push(line);
        if (tail.length > 30) tail.shift();
        options.onLine?.(service, line);
        if (!ready && line.includes('"event":"ready"')) {
          let details = {};
          try {
            details = JSON.parse(line);
          } catch {
            // keep empty details
          }
          becameReady(details);
        }
      };
      readline.createInterface({ input: child.stdout }).on('line', onLine);
      readline.createInterface({ input: child.stderr }).on('line', onLine);
    }
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      live.delete(child);
      log?.end();
      if (!ready) {
        clearTimeout(timer);
        reject(new Error(`${service} exited (${signal ?? code}) before it was ready:\n${recentLines().join('\n')}`));
      }
    });
  });
}

/** The last `count` lines of a file (bounded read of its end). */
function lastLines(file, count) {
  try {
    const size = fs.statSync(file).size;
    const length = Math.min(size, 64 * 1024);
    const buffer = Buffer.alloc(length);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, buffer, 0, length, size - length);
    } finally {
      fs.closeSync(fd);
    }
    return buffer.toString('utf8').split('\n').filter(Boolean).slice(-count);
  } catch {
    return [];
  }
}

/** Sends SIGTERM to a child we started and waits for it; SIGKILL after `graceMs`. */
function stopChild(child, graceMs = 10000) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts the services in order. `env` is every service's; `envFor[service]` adds to it or overrides it for that service
 * alone (its own database role and NATS identity, docs/operations/least-privilege.md), restarts included.
 * @param {{ env: Record<string,string>, envFor?: Record<string, Record<string,string>>, services?: string[], logDir?: string, onLine?: (service: string, line: string) => void, readyTimeoutMs?: number }} options
 */
async function startStack(options) {
  const started = new Map();
  const services = options.services ?? SERVICES;
  if (options.logDir) fs.mkdirSync(options.logDir, { recursive: true });
  const launch = async (service) => {
    const result = await startService(service, {
      env: { ...options.env, ...options.envFor?.[service] },
      logFile: options.logDir ? path.join(options.logDir, `${service}.log`) : undefined,
      onLine: options.onLine,
      readyTimeoutMs: options.readyTimeoutMs,
    });
    started.set(service, result);
    return result;
  };
  try {
    for (const service of services) await launch(service);
  } catch (error) {
    await Promise.all([...started.values()].map((s) => stopChild(s.child)));
    throw error;
  }
  return {
    services: started,
    /** Starts (again) one service of this stack, e.g. after stopping it in a test; a running one is left alone. */
    async start(service) {
      const running = started.get(service);
      if (running && running.child.exitCode === null && running.child.signalCode === null) return running;
      return launch(service);
    },
    async stopService(service) {
      const s = started.get(service);
      if (s) await stopChild(s.child);
    },
    async stop() {
      // Edges first, so nothing new arrives while the back end drains.
      for (const service of [...started.keys()].reverse()) await stopChild(started.get(service).child);
    },
  };
}

module.exports = { ROOT, SERVICES, lastLines, runMigrations, startService, startStack, stopChild };
