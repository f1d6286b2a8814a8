/**
 * `npm run nats:config -- --namespace <RPC_NAMESPACE> [--user-prefix <p>] [--bcrypt | --server-env] [--out <file>]`
 * writes what nats-server needs for a deployment, from libs/transport/src/nats-permissions.ts (stdout by default):
 *
 * - by default, the `authorization` block with each password as a reference to nats-server's environment
 *   ($NATS_PASSWORD_<USER>): the file holds no secret (deploy/nats/nats-authorization.conf is this output);
 * - with --server-env, that environment: `NATS_PASSWORD_<USER>=<$2a$ bcrypt hash>` lines, so nats-server holds no
 *   service's password either;
 * - with --bcrypt, the `authorization` block with the hashes written inline instead.
 *
 * The last two read each service's password from NATS_PASSWORD_<USER> (or NATS_PASSWORD_<USER>_FILE) here. Details:
 * docs/operations/least-privilege.md.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig, secret } from '@scep/config';
import { NATS_SERVICES, natsAuthorizationConfig, natsPasswordVariable, natsUserOf } from '@scep/transport';
import { natsPasswordHash } from '@scep/transport/nats-password-hash';

const { values } = parseArgs({
  options: {
    namespace: { type: 'string', default: 'scep' },
    'user-prefix': { type: 'string', default: '' },
    bcrypt: { type: 'boolean', default: false },
    'server-env': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
  strict: true,
});

/** Each service's password hashed, by the variable that names it. Missing ones are named, values never printed. */
function hashedPasswords(userPrefix: string): Map<string, string> {
  const variables = NATS_SERVICES.map((service) => natsPasswordVariable(natsUserOf(service, userPrefix)));
  const passwords = loadConfig(z.object(Object.fromEntries(variables.map((name) => [name, secret(z.string().min(16, 'at least 16 characters'))]))));
  return new Map(variables.map((name) => [name, natsPasswordHash(passwords[name] as string)]));
}

function main(): void {
  const userPrefix = values['user-prefix'] ?? '';
  let text: string;
  if (values['server-env']) {
    text = [...hashedPasswords(userPrefix)].map(([name, hash]) => `${name}=${hash}\n`).join('');
  } else {
    const hashes = values.bcrypt ? hashedPasswords(userPrefix) : undefined;
    text = natsAuthorizationConfig({
      namespace: values.namespace ?? 'scep',
      userPrefix,
      password: (user) => {
        const name = natsPasswordVariable(user);
        return hashes ? { kind: 'bcrypt', hash: hashes.get(name) as string } : { kind: 'variable', name };
      },
    });
  }
  if (values.out) {
    fs.writeFileSync(values.out, text, { mode: 0o600 });
    process.stderr.write(`nats:config: wrote ${values.out}\n`);
  } else {
    process.stdout.write(text);
  }
}

try {
  main();
} catch (error) {
  process.stderr.write(`nats:config: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
