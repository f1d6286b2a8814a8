'use strict';

/** Minimal admin API client for scripts and tests. */
function adminClient(baseUrl, apiKey) {
  async function call(method, path, body) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(180000),
    });
    const text = await response.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = { raw: text };
    }
    return { status: response.status, body: json };
  }
  async function expectOk(method, path, body) {
    const result = await call(method, path, body);
    if (result.status >= 300) throw new Error(`${method} ${path} -> ${result.status} ${JSON.stringify(result.body)}`);
    return result.body;
  }
  return { call, expectOk };
}

/**
 * Idempotently creates a tenant, a CA and a static-challenge profile; returns the profile view (with scepUrl).
 * @param {{ adminUrl: string, apiKey: string, tenant: string, caName: string, caSubject: string, profile: string, challenge: string, keySize?: number, syncWaitMs?: number, contentCiphers?: string[], policy?: object }} o
 */
async function ensureTenantProfile(o) {
  const admin = adminClient(o.adminUrl, o.apiKey);
  const tenant = await admin.call('GET', `/v1/tenants/${o.tenant}`);
  if (tenant.status === 404) await admin.expectOk('POST', '/v1/tenants', { slug: o.tenant, displayName: o.tenant });
  else if (tenant.status >= 300) throw new Error(`GET tenant -> ${tenant.status}`);
  const cas = await admin.expectOk('GET', `/v1/tenants/${o.tenant}/cas`);
  let ca = cas.items.find((c) => c.name === o.caName);
  ca ??= await admin.expectOk('POST', `/v1/tenants/${o.tenant}/cas`, { name: o.caName, subject: o.caSubject, keySize: o.keySize ?? 2048 });
  const profiles = await admin.expectOk('GET', `/v1/tenants/${o.tenant}/profiles`);
  let profile = profiles.items.find((p) => p.slug === o.profile);
  profile ??= await admin.expectOk('POST', `/v1/tenants/${o.tenant}/profiles`, {
    slug: o.profile,
    caId: ca.id,
    challenge: o.challenge,
    ...(o.syncWaitMs !== undefined ? { syncWaitMs: o.syncWaitMs } : {}),
    ...(o.contentCiphers ? { contentCiphers: o.contentCiphers } : {}),
  });
  if (o.policy) await admin.expectOk('PUT', `/v1/tenants/${o.tenant}/profiles/${o.profile}/policy`, o.policy);
  return { ca, profile };
}

module.exports = { adminClient, ensureTenantProfile };
