import type { CertificateExpiryReader } from '@scep/persistence-read';
import { ServiceMetrics } from '@scep/telemetry';
import type { HttpAdapterHost } from '@nestjs/core';
import { AdminHttpMetrics, methodLabel, routeLabel } from './admin-http.metrics';
import { CaExpiryMetrics } from './ca-expiry.metrics';
import { CertificateMetrics, type RevocationReasonName } from './certificate-metrics';

const samples = async (service: ServiceMetrics, name: string) =>
  (await service.registry.metrics()).split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));

describe('admin API metrics: label values', () => {
  it('labels a request by its route pattern, never its path; unknown paths are "unmatched"', async () => {
    expect(routeLabel('/v1/tenants/:tenant/cas/:ca')).toBe('/v1/tenants/:tenant/cas/:ca');
    expect(routeLabel(undefined)).toBe('unmatched');
    expect(methodLabel('PATCH')).toBe('PATCH');
    expect(methodLabel('PROPFIND')).toBe('other');

    const service = new ServiceMetrics({ tenantLabels: true });
    const metrics = new AdminHttpMetrics(service, {} as HttpAdapterHost);
    // Three tenants' CA lists: one route, one series.
    for (let i = 0; i < 3; i++) metrics.observe({ method: 'GET', routeOptions: { url: '/v1/tenants/:tenant/cas' } as never }, { statusCode: 200, elapsedTime: 12 });
    metrics.observe({ method: 'GET', routeOptions: { url: undefined } as never }, { statusCode: 404, elapsedTime: 1 });
    metrics.observe({ method: 'BREW', routeOptions: {} as never }, { statusCode: 404, elapsedTime: 1 });
    expect(await samples(service, 'scep_admin_requests_total')).toEqual([
      'scep_admin_requests_total{route="/v1/tenants/:tenant/cas",method="GET",status="200"} 3',
      'scep_admin_requests_total{route="unmatched",method="GET",status="404"} 1',
      'scep_admin_requests_total{route="unmatched",method="other",status="404"} 1',
    ]);
    expect(await samples(service, 'scep_admin_request_duration_seconds_count')).toContain('scep_admin_request_duration_seconds_count{route="/v1/tenants/:tenant/cas",method="GET"} 3');
  });

  it('counts revocations by RFC 5280 reason name', async () => {
    const service = new ServiceMetrics({ tenantLabels: true });
    const metrics = new CertificateMetrics(service);
    metrics.revoked('keyCompromise');
    metrics.revoked('keyCompromise');
    metrics.revoked('made-up' as RevocationReasonName);
    expect(await samples(service, 'scep_certificates_revoked_total')).toEqual([
      'scep_certificates_revoked_total{reason="keyCompromise"} 2',
      'scep_certificates_revoked_total{reason="unspecified"} 1',
    ]);
  });

  it.each([true, false])('exports CA expiry by tenant and CA name, or only the soonest without tenant labels (%s)', async (tenantLabels) => {
    const service = new ServiceMetrics({ tenantLabels });
    const day = 86_400_000;
    const reader = {
      caCertificates: async () => [
        { tenantSlug: 'acme', caName: 'acme-ca', notAfter: new Date(Date.now() + 300 * day) },
        { tenantSlug: 'globex', caName: 'globex-ca', notAfter: new Date(Date.now() + 20 * day) },
      ],
    } as unknown as CertificateExpiryReader;
    new CaExpiryMetrics(service, reader);
    const lines = await samples(service, 'scep_ca_certificate_expiry_seconds');
    if (tenantLabels) {
      expect(lines.map((l) => l.split(' ')[0])).toEqual([
        'scep_ca_certificate_expiry_seconds{tenant="acme",ca="acme-ca"}',
        'scep_ca_certificate_expiry_seconds{tenant="globex",ca="globex-ca"}',
      ]);
    } else {
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^scep_ca_certificate_expiry_seconds \d+/);
      expect(Number(lines[0]?.split(' ')[1])).toBeLessThanOrEqual(20 * 86_400);
      expect(Number(lines[0]?.split(' ')[1])).toBeGreaterThan(20 * 86_400 - 60);
    }
  });
});
