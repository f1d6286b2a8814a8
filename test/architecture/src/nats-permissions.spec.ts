import fs from 'node:fs';
import path from 'node:path';
import * as contracts from '@scep/contracts';
import { NATS_BROADCASTS, NATS_SERVICES, NATS_SERVICE_ROLES, type NatsService } from '@scep/transport';

/**
 * The NATS permissions (libs/transport/src/nats-permissions.ts, docs/adr/009-least-privilege-between-services.md) are
 * only least privilege if they follow the code: a service that gains an RPC call would fail in production with a
 * permissions violation, and a call it dropped would leave a grant behind. This reads each service's sources and
 * compares what it calls, serves and broadcasts with what it is declared to.
 */
const root = path.resolve(__dirname, '..', '..', '..');

function sourcesOf(service: NatsService): Array<{ file: string; text: string }> {
  const found: Array<{ file: string; text: string }> = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ts$/.test(entry.name) && !/\.(spec|int-spec|int|e2e-spec)\.ts$/.test(entry.name)) found.push({ file: full, text: fs.readFileSync(full, 'utf8') });
    }
  };
  walk(path.join(root, 'apps', service, 'src'));
  return found;
}

/** Contract names by the identifier @scep/contracts exports them under. */
const contractNames = new Map(
  Object.entries(contracts)
    .filter(([, value]) => typeof value === 'object' && value !== null && 'name' in value && 'request' in value && 'response' in value)
    .map(([identifier, value]) => [identifier, (value as { name: string }).name]),
);

function contractsMatching(service: NatsService, pattern: RegExp): string[] {
  const names = new Set<string>();
  for (const { file, text } of sourcesOf(service)) {
    for (const match of text.matchAll(pattern)) {
      const name = contractNames.get(match[1] as string);
      if (!name) throw new Error(`${path.relative(root, file)}: ${match[1]} is not an RPC contract of @scep/contracts`);
      names.add(name);
    }
  }
  return [...names].sort();
}

/** Whether the service publishes / subscribes tenancy events (through its injected TenancyEvents). */
function tenancyEventUse(service: NatsService): { publishes: boolean; subscribes: boolean } {
  const files = sourcesOf(service).filter(({ text }) => /:\s*TenancyEvents\b/.test(text));
  return {
    publishes: files.some(({ text }) => /\.events\.publish\(/.test(text)),
    subscribes: files.some(({ text }) => /\.events\.subscribe\(/.test(text)),
  };
}

/** Whether the service announces lockouts, and whether it runs ClientLockouts (which subscribes to them at start). */
function lockoutEventUse(service: NatsService): { publishes: boolean; subscribes: boolean } {
  const sources = sourcesOf(service);
  return {
    publishes: sources.some(({ text }) => /\.announce\(/.test(text) && /ClientLockouts/.test(text)),
    subscribes: sources.some(({ file, text }) => file.endsWith('.module.ts') && /\bClientLockouts\b/.test(text)),
  };
}

const sorted = (list: readonly { name: string }[]) => list.map((c) => c.name).sort();

describe.each(NATS_SERVICES)('NATS permissions of %s follow its code', (service) => {
  const role = NATS_SERVICE_ROLES[service];

  it('calls exactly the RPC contracts it is allowed to publish', () => {
    expect(contractsMatching(service, /\.call\(\s*([A-Z]\w*)\s*,/g)).toEqual(sorted(role.calls));
  });

  it('serves exactly the RPC contracts it is allowed to subscribe to', () => {
    expect(contractsMatching(service, /@RpcHandler\(\s*([A-Z]\w*)\s*\)/g)).toEqual(sorted(role.serves));
  });

  it('announces and hears lockout events exactly as declared', () => {
    expect(lockoutEventUse(service)).toEqual({
      publishes: role.publishes.includes(NATS_BROADCASTS.clientLocked),
      subscribes: role.subscribes.includes(NATS_BROADCASTS.clientLocked),
    });
  });

  it('publishes and hears tenancy events exactly as declared', () => {
    expect(tenancyEventUse(service)).toEqual({
      publishes: role.publishes.includes(NATS_BROADCASTS.tenancyChanged),
      subscribes: role.subscribes.includes(NATS_BROADCASTS.tenancyChanged),
    });
  });
});

it('finds the calls it looks for (the scan itself works)', () => {
  expect(contractsMatching('scep-gateway', /\.call\(\s*([A-Z]\w*)\s*,/g)).toEqual(['enrollment.status', 'enrollment.submit', 'ocsp.respond']);
});
