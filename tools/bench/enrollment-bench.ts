/**
 * Whole-enrollment benchmark: the five services as real processes (isolated database, Redis prefix, RPC namespace),
 * PKCSReq over HTTP with our client encoder, RSA-2048 devices made by openssl. Prints latency, throughput and CPU per
 * enrollment per service (from /proc, so it counts everything each process did). Asserts nothing (house style).
 *
 *   npm run build && npx ts-node -T -r tsconfig-paths/register tools/bench/enrollment-bench.ts [--devices 120] [--concurrency 8]
 *
 * Reference floor: one RSA-2048 private decryption + two RSA-2048 signatures (RA CertRep, CA certificate) ≈ 0.7 ms.
 */
import fs from 'node:fs';
import { PkiStatus } from '@scep/codec';
import { E2eStack, randomChallenge } from '../../test/e2e/src/support/e2e-stack';
import { type DeviceIdentity, getCaCert, makeDevice, pkcsReq, postPkiOperation, read } from '../../test/e2e/src/support/test-client';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const DEVICES = arg('devices', 120);
const CONCURRENCY = arg('concurrency', 8);
const TICK_MS = 1000 / 100; // USER_HZ

function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime + stime
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  const stack = new E2eStack();
  await stack.start({
    tracing: false,
    logLevel: process.env.BENCH_LOG_LEVEL ?? 'warn',
    // BENCH_OTEL_SDK_DISABLED=true measures the cost of the instrumentation itself.
    env: process.env.BENCH_OTEL_SDK_DISABLED ? { OTEL_SDK_DISABLED: process.env.BENCH_OTEL_SDK_DISABLED } : {},
  });
  try {
    const challenge = randomChallenge();
    const url = (await stack.tenantProfile('bench', 'devices', challenge)).profile.scepUrl;
    const ra = await getCaCert(url);
    process.stdout.write(`making ${DEVICES + 20} RSA-2048 devices with openssl…\n`);
    const devices: DeviceIdentity[] = Array.from({ length: DEVICES + 20 }, (_, i) => makeDevice(`bench-${i}`, challenge));
    const requests = devices.map((d) => ({ device: d, der: pkcsReq(d, ra, { cipher: 'aes-256-cbc', digest: 'sha256' }).der }));

    const enroll = async (r: (typeof requests)[number]) => {
      const t0 = performance.now();
      const response = await postPkiOperation(url, r.der);
      const ms = performance.now() - t0;
      const reply = read(response.body, ra, r.device);
      if (reply.status !== PkiStatus.Success) throw new Error(`enrollment failed: status ${reply.status} failInfo ${reply.failInfo} after ${ms.toFixed(0)} ms`);
      return ms;
    };

    for (const r of requests.slice(0, 20)) await enroll(r); // warm-up: JIT, caches, connection pools
    const measured = requests.slice(20);
    const pids = stack.pids();
    const cpuBefore = new Map([...pids].map(([s, pid]) => [s, cpuMs(pid)]));

    const half = Math.floor(measured.length / 2);
    const sequential: number[] = [];
    for (const r of measured.slice(0, half)) sequential.push(await enroll(r));
    const concurrentPart = measured.slice(half);
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < concurrentPart.length) await enroll(concurrentPart[next++] as (typeof requests)[number]);
      }),
    );
    const concurrentSeconds = (performance.now() - t0) / 1000;

    const cpu = [...pids].map(([service, pid]) => [service, (cpuMs(pid) - (cpuBefore.get(service) ?? 0)) / measured.length] as const);
    const total = cpu.reduce((sum, [, ms]) => sum + ms, 0);
    sequential.sort((a, b) => a - b);
    const lines = [
      `enrollments measured: ${measured.length} (after 20 warm-up), RSA-2048 devices, AES-256/SHA-256`,
      `sequential latency:   p50 ${percentile(sequential, 50).toFixed(1)} ms   p95 ${percentile(sequential, 95).toFixed(1)} ms   (${half} requests)`,
      `concurrent (${CONCURRENCY} in flight): ${(concurrentPart.length / concurrentSeconds).toFixed(1)} enrollments/s`,
      'CPU per enrollment (all processes, /proc utime+stime, 10 ms ticks):',
      ...cpu.map(([service, ms]) => `  ${service.padEnd(18)} ${ms.toFixed(2)} ms`),
      `  ${'total'.padEnd(18)} ${total.toFixed(2)} ms   (RSA floor ≈ 0.7 ms → ${(total / 0.7).toFixed(1)}x)`,
    ];
    process.stdout.write(`\n${lines.join('\n')}\n`);
  } finally {
    await stack.stop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
