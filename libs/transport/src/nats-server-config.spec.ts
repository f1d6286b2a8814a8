import fs from 'node:fs';
import path from 'node:path';
import bcrypt from 'bcryptjs';
import { natsPasswordHash } from './nats-password-hash';
import { natsAuthorizationConfig, natsPasswordVariable, natsUserOf } from './nats-server-config';

const EXAMPLE = path.resolve(__dirname, '..', '..', '..', 'deploy', 'nats', 'nats-authorization.conf');

describe('nats-server authorization block', () => {
  it('matches the committed example in deploy/nats (regenerate with `npm run nats:config -- --namespace scep --out deploy/nats/nats-authorization.conf`)', () => {
    expect(fs.readFileSync(EXAMPLE, 'utf8')).toBe(natsAuthorizationConfig({ namespace: 'scep' }));
  });

  it('references one password variable per user, and prefixes users when asked', () => {
    const text = natsAuthorizationConfig({ namespace: 'staging', userPrefix: 'stg-' });
    expect(natsUserOf('scep-gateway', 'stg-')).toBe('stg-scep-gateway');
    expect(natsPasswordVariable('stg-scep-gateway')).toBe('NATS_PASSWORD_STG_SCEP_GATEWAY');
    expect(text).toContain('user: "stg-scep-gateway"\n      password: $NATS_PASSWORD_STG_SCEP_GATEWAY\n');
    expect(text).toContain('"_INBOX_stg-scep-gateway.>"');
    expect(text).toContain('"staging.enrollment.submit"');
    expect(text).toContain('--user-prefix stg-');
  });

  it('writes $2a$ bcrypt hashes quoted, and refuses anything else (nats-server 2.9 misreads $2b$ from its environment)', () => {
    const hash = natsPasswordHash('correct horse battery staple', 4);
    expect(hash).toMatch(/^\$2a\$04\$/);
    expect(bcrypt.compareSync('correct horse battery staple', hash)).toBe(true);
    const text = natsAuthorizationConfig({ namespace: 'scep', password: () => ({ kind: 'bcrypt', hash }) });
    expect(text).toContain(`password: "${hash}"`);
    expect(text).not.toContain('$NATS_PASSWORD');
    for (const wrong of ['plain text', bcrypt.hashSync('x', 4)]) {
      expect(() => natsAuthorizationConfig({ namespace: 'scep', password: () => ({ kind: 'bcrypt', hash: wrong }) })).toThrow('not a $2a$ bcrypt hash');
    }
  });

  it('allows replies only to services that answer requests, and denies every subscription to the signer', () => {
    const text = natsAuthorizationConfig({ namespace: 'scep' });
    const block = (user: string) => text.slice(text.indexOf(`user: "${user}"`)).split('\n    }')[0] as string;
    expect(block('policy-service')).toContain('allow_responses: true');
    expect(block('challenge-service')).toContain('allow_responses: true');
    expect(block('scep-gateway')).not.toContain('allow_responses');
    expect(block('admin-api')).not.toContain('allow_responses');
    expect(block('signer-worker')).toContain('subscribe: { deny: [">"] }');
  });

  it('refuses a namespace that could not be an RPC_NAMESPACE', () => {
    expect(() => natsAuthorizationConfig({ namespace: 'a.b' })).toThrow(/namespace/);
    expect(() => natsAuthorizationConfig({ namespace: 'scep', userPrefix: 'a b' })).toThrow(/prefix/);
  });
});
