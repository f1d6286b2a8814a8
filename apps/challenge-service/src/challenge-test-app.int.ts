// Test support for the challenge service's integration specs: the service's real provider graph over a fresh
// database, the run's Redis prefix and BullMQ, with every log line captured (to prove secrets never reach one).
import { randomBytes, randomUUID } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ChallengeVerify, Queues, type RpcRequest } from '@scep/contracts';
import { challengeEntities } from '@scep/persistence-challenge';
import { databaseRootModule } from '@scep/persistence-core';
import { queueModule, queueRootModule } from '@scep/queues';
import { challengeProviders } from './challenge.module';
import { OUTBOUND_SETTINGS, type OutboundSettings } from './http/outbound-http';

/** Every argument of every log call, serialized: what a logger backend would receive. */
export class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];

  log(...args: unknown[]): void {
    this.capture('log', args);
  }
  error(...args: unknown[]): void {
    this.capture('error', args);
  }
  warn(...args: unknown[]): void {
    this.capture('warn', args);
  }
  debug(...args: unknown[]): void {
    this.capture('debug', args);
  }
  verbose(...args: unknown[]): void {
    this.capture('verbose', args);
  }
  fatal(...args: unknown[]): void {
    this.capture('fatal', args);
  }

  /** Lines whose text matches. */
  matching(pattern: RegExp | string): string[] {
    return this.lines.filter((line) => (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line)));
  }

  private capture(level: string, args: unknown[]): void {
    this.lines.push(`${level} ${args.map((a) => (a instanceof Error ? `${a.name}: ${a.message} ${a.stack ?? ''}` : JSON.stringify(a))).join(' ')}`);
  }
}

/** One process-wide capture (Nest's Logger is static). */
export const capturedLogs = new CapturingLogger();

/**
 * The challenge service's providers without the RPC server (tests call services directly). `outbound` replaces the
 * outbound rules, limits and resolver the environment would give.
 */
export async function startChallengeTestApp(databaseUrl: string, options: { outbound?: OutboundSettings } = {}): Promise<{ moduleRef: TestingModule; dataSource: DataSource }> {
  process.env.DATABASE_URL = databaseUrl;
  let builder = Test.createTestingModule({
    imports: [databaseRootModule('challenge-test', challengeEntities), queueRootModule(), queueModule(Queues.challengeNotifications)],
    providers: challengeProviders,
  });
  if (options.outbound) builder = builder.overrideProvider(OUTBOUND_SETTINGS).useValue(options.outbound);
  const moduleRef = await builder.setLogger(capturedLogs).compile();
  await moduleRef.init();
  return { moduleRef, dataSource: moduleRef.get<DataSource>(getDataSourceToken()) };
}

export const randomHex = (bytes = 32) => randomBytes(bytes).toString('hex');

/** A ChallengeVerify request as the gateway sends it (valid against the contract). */
export function verifyRequest(
  tenantId: string,
  profileId: string,
  overrides: Omit<Partial<RpcRequest<typeof ChallengeVerify>>, 'csr'> & { csr?: Partial<RpcRequest<typeof ChallengeVerify>['csr']> } = {},
): RpcRequest<typeof ChallengeVerify> {
  const { csr, ...rest } = overrides;
  return ChallengeVerify.request.parse({
    tenantId,
    profileId,
    transactionId: `tx-${randomUUID()}`,
    messageType: 19,
    csrDer: Buffer.from(`csr ${randomUUID()}`).toString('base64'),
    clientAddress: '192.0.2.10',
    ...rest,
    csr: { subject: 'CN=device-1,O=Acme', keyFingerprint: randomHex(), subjectAltNames: [], keyAlgorithm: 'rsa', keySize: 2048, ...csr },
  });
}

/** Polls `probe` until it returns a truthy value or `timeoutMs` passes (then returns the last value). */
export async function eventually<T>(probe: () => Promise<T> | T, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!value && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    value = await probe();
  }
  return value;
}
