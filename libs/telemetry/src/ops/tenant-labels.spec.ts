import { Counter, Registry } from 'prom-client';
import { TenantLabels } from './tenant-labels';

describe('TenantLabels (METRICS_TENANT_LABELS)', () => {
  it('adds tenant and profile after the metric’s own labels when on', () => {
    const on = new TenantLabels(true);
    expect(on.names(['outcome'])).toEqual(['outcome', 'tenant', 'profile']);
    expect(on.names(['state'], ['tenant'])).toEqual(['state', 'tenant']);
    expect(on.values(['approve'], ['acme', 'laptops'])).toEqual(['approve', 'acme', 'laptops']);
    expect(on.labels({ outcome: 'approve' }, { tenant: 'acme', profile: 'laptops' })).toEqual({ outcome: 'approve', tenant: 'acme', profile: 'laptops' });
  });

  it('drops them entirely when off: no label, not an empty one', async () => {
    const off = new TenantLabels(false);
    expect(off.names(['outcome'])).toEqual(['outcome']);
    expect(off.values(['approve'], ['acme', 'laptops'])).toEqual(['approve']);
    expect(off.labels({ outcome: 'approve' }, { tenant: 'acme', profile: 'laptops' })).toEqual({ outcome: 'approve' });
    const registry = new Registry();
    const counter = new Counter({ name: 'x_total', help: 'x', labelNames: off.names(['outcome']), registers: [registry] });
    counter.inc(off.labels({ outcome: 'approve' }, { tenant: 'acme', profile: 'laptops' }));
    counter.labels(...off.values(['reject'], ['globex', 'routers'])).inc();
    const text = await registry.metrics();
    expect(text).toContain('x_total{outcome="approve"} 1');
    expect(text).toContain('x_total{outcome="reject"} 1');
    expect(text).not.toMatch(/tenant|profile|acme|globex/);
  });
});
