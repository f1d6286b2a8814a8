import { Client } from 'pg';
import { E2eStack, randomChallenge } from './support/e2e-stack';

/** The admin API against the real services: authentication, tenant isolation, validation, OpenAPI. */
describe('admin API (real services)', () => {
  const stack = new E2eStack();
  const challenge = randomChallenge();
  let acmeCaId: string;

  beforeAll(async () => {
    await stack.start();
    acmeCaId = (await stack.tenantProfile('acme', 'laptops', challenge)).ca.id;
    await stack.tenantProfile('globex', 'routers', randomChallenge());
  }, 180_000);

  afterAll(async () => {
    await stack.stop();
  }, 60_000);

  const raw = (path: string, init: RequestInit = {}) => fetch(`${stack.adminUrl}${path}`, init);

  it('requires a valid API key everywhere but the OpenAPI document', async () => {
    expect((await raw('/v1/tenants')).status).toBe(401);
    expect((await raw('/v1/tenants', { headers: { authorization: 'Bearer scep_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } })).status).toBe(401);
    expect((await raw('/v1/tenants', { headers: { authorization: 'Bearer nonsense' } })).status).toBe(401);
    const doc = await raw('/openapi.json');
    expect(doc.status).toBe(200);
    const openapi = (await doc.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/v1/tenants', '/v1/tenants/{tenant}/cas', '/v1/tenants/{tenant}/profiles', '/v1/tenants/{tenant}/certificates', '/v1/tenants/{tenant}/api-keys']),
    );
    expect(JSON.stringify(openapi.paths['/v1/tenants/{tenant}/profiles'])).toContain('challenge');
  });

  it('names the offending field in every 400', async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ['POST', '/v1/tenants', { slug: 'Not A Slug', displayName: 'x' }, 'slug'],
      ['POST', '/v1/tenants', { slug: 'ok-slug' }, 'displayName'],
      ['POST', '/v1/tenants/acme/cas', { name: 'ca2', subject: 'CN=x', keySize: 1024 }, 'keySize'],
      ['POST', '/v1/tenants/acme/profiles', { slug: 'p2', caId: acmeCaId, challenge: 'short' }, 'challenge'],
      ['POST', '/v1/tenants/acme/profiles', { slug: 'p2', caId: acmeCaId, challenge: 'has_underscores_and!bang' }, 'challenge'],
      ['POST', '/v1/tenants/acme/profiles', { slug: 'p2', challenge: randomChallenge() }, 'caId'],
      ['POST', '/v1/tenants/acme/profiles', { slug: 'p2', caId: '00000000-0000-4000-8000-000000000000', challenge: randomChallenge() }, 'caId'],
      ['POST', '/v1/tenants/acme/profiles', { slug: 'p2', caId: acmeCaId, challenge: randomChallenge(), syncWaitMs: 999999 }, 'syncWaitMs'],
      ['GET', '/v1/tenants/acme/certificates?limit=0', undefined, 'limit'],
      ['GET', '/v1/tenants/acme/certificates?cursor=bm9wZQ', undefined, 'cursor'],
    ];
    for (const [method, path, body, field] of cases) {
      const response = await stack.admin.call(method, path, body);
      expect({ path, field, status: response.status }).toEqual({ path, field, status: 400 });
      expect(JSON.stringify(response.body)).toContain(field);
    }
  });

  it('answers conflicts with 409', async () => {
    expect((await stack.admin.call('POST', '/v1/tenants', { slug: 'acme', displayName: 'again' })).status).toBe(409);
    expect((await stack.admin.call('POST', '/v1/tenants/acme/profiles', { slug: 'laptops', caId: acmeCaId, challenge: randomChallenge() })).status).toBe(409);
  });

  it('creates CAs of every allowed size in the signer', async () => {
    const ca = await stack.admin.expectOk('POST', '/v1/tenants/acme/cas', { name: 'ca-3072', subject: 'CN=Acme 3072 CA,O=Acme', keySize: 3072 });
    expect(ca).toMatchObject({ keySpec: 'rsa-3072', subject: 'CN=Acme 3072 CA,O=Acme' });
    expect(ca.certificatePem).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect(ca).not.toHaveProperty('privateKey');
  });

  it('scopes tenant keys to their tenant: others are invisible, platform operations forbidden', async () => {
    const created = await stack.admin.expectOk('POST', '/v1/tenants/acme/api-keys', { name: 'acme ops' });
    expect(created.key).toMatch(/^scep_[0-9a-f]{16}_/);
    const acme = (path: string, method = 'GET', body?: unknown) =>
      fetch(`${stack.adminUrl}${path}`, { method, headers: { authorization: `Bearer ${created.key}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    expect((await acme('/v1/tenants/acme/certificates')).status).toBe(200);
    expect((await acme('/v1/tenants/acme/profiles')).status).toBe(200);
    expect((await acme('/v1/tenants/globex')).status).toBe(404);
    expect((await acme('/v1/tenants/globex/certificates')).status).toBe(404);
    expect((await acme('/v1/tenants/globex/cas')).status).toBe(404);
    expect(((await (await acme('/v1/tenants')).json()) as { items: Array<{ slug: string }> }).items.map((t) => t.slug)).toEqual(['acme']);
    expect((await acme('/v1/tenants', 'POST', { slug: 'evil', displayName: 'x' })).status).toBe(403);
    expect((await acme('/v1/api-keys', 'POST', { name: 'escalate' })).status).toBe(403);
  });

  it('stores API keys and challenges only as hashes and never returns a challenge', async () => {
    const created = await stack.admin.expectOk('POST', '/v1/tenants/acme/api-keys', { name: 'hash check' });
    const secretPart = created.key.split('_').slice(2).join('_');
    const profiles = await stack.admin.expectOk('GET', '/v1/tenants/acme/profiles');
    expect(JSON.stringify(profiles)).not.toContain(challenge);
    const client = new Client({ connectionString: stack.databaseUrl });
    await client.connect();
    try {
      const dump = JSON.stringify([
        ...(await client.query('SELECT * FROM tenancy.api_keys')).rows,
        ...(await client.query('SELECT * FROM challenge.static_challenges')).rows,
        ...(await client.query('SELECT * FROM tenancy.profiles')).rows,
      ]);
      expect(dump).not.toContain(secretPart);
      expect(dump).not.toContain(challenge);
      expect(dump).not.toContain(Buffer.from(challenge).toString('hex'));
    } finally {
      await client.end();
    }
  });

  it('lists issued certificates with keyset pagination', async () => {
    const page = await stack.admin.expectOk('GET', '/v1/tenants/acme/certificates?limit=1');
    expect(Array.isArray(page.items)).toBe(true);
  });
});
