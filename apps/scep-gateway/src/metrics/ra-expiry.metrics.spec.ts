import type { CertificateExpiryReader, RaExpiryRecord } from '@scep/persistence-read';
import { ServiceMetrics } from '@scep/telemetry';
import { RaExpiryMetrics, generationsOf } from './ra-expiry.metrics';

const DAY = 86_400_000;
const now = new Date('2027-01-01T00:00:00Z');
const at = (days: number) => new Date(now.getTime() + days * DAY);

describe('RA expiry gauge', () => {
  it('names generations as the clock makes them: before the switch next is announced, after it the old one is previous', () => {
    const record: RaExpiryRecord = { tenantSlug: 'acme', profileSlug: 'laptops', raNotAfter: { current: at(10), next: at(400), switchAt: at(5), previous: at(-3) } };
    expect(generationsOf(record, now)).toEqual([['active', at(10)], ['next', at(400)], ['previous', at(-3)]]);
    expect(generationsOf(record, at(6))).toEqual([['active', at(400)], ['previous', at(10)]]);
    expect(generationsOf({ ...record, raNotAfter: { current: undefined } }, now)).toEqual([]);
  });

  it.each([true, false])('exports seconds until notAfter at scrape time (tenant labels %s)', async (tenantLabels) => {
    const service = new ServiceMetrics({ tenantLabels });
    const records: RaExpiryRecord[] = [
      { tenantSlug: 'acme', profileSlug: 'laptops', raNotAfter: { current: new Date(Date.now() + 10 * DAY), next: new Date(Date.now() + 400 * DAY), switchAt: new Date(Date.now() + 5 * DAY) } },
      { tenantSlug: 'globex', profileSlug: 'routers', raNotAfter: { current: new Date(Date.now() + 2 * DAY) } },
    ];
    const reader = { raCertificates: jest.fn(async () => records) } as unknown as CertificateExpiryReader;
    new RaExpiryMetrics(service, reader);
    const lines = (await service.registry.metrics()).split('\n').filter((l) => l.startsWith('scep_ra_certificate_expiry_seconds{'));
    const value = (line: string | undefined) => Number(line?.split(' ')[1]);
    if (tenantLabels) {
      expect(lines.map((l) => l.split(' ')[0])).toEqual([
        'scep_ra_certificate_expiry_seconds{generation="active",tenant="acme",profile="laptops"}',
        'scep_ra_certificate_expiry_seconds{generation="next",tenant="acme",profile="laptops"}',
        'scep_ra_certificate_expiry_seconds{generation="active",tenant="globex",profile="routers"}',
      ]);
      expect(value(lines[0])).toBeGreaterThan(10 * 86_400 - 60);
      expect(value(lines[0])).toBeLessThanOrEqual(10 * 86_400);
    } else {
      // The soonest expiry per generation over all profiles.
      expect(lines.map((l) => l.split(' ')[0])).toEqual(['scep_ra_certificate_expiry_seconds{generation="active"}', 'scep_ra_certificate_expiry_seconds{generation="next"}']);
      expect(value(lines[0])).toBeLessThanOrEqual(2 * 86_400);
      expect(value(lines[0])).toBeGreaterThan(2 * 86_400 - 60);
    }
    // A second scrape within the minute reuses the rows it read.
    await service.registry.metrics();
    expect(reader.raCertificates).toHaveBeenCalledTimes(1);
  });

  it('keeps showing the last rows when the database does not answer', async () => {
    const service = new ServiceMetrics({ tenantLabels: true });
    const first: RaExpiryRecord[] = [{ tenantSlug: 'acme', profileSlug: 'laptops', raNotAfter: { current: new Date(Date.now() + DAY) } }];
    let fail = false;
    const reader = {
      raCertificates: jest.fn(async () => {
        if (fail) throw new Error('connection refused');
        return first;
      }),
    } as unknown as CertificateExpiryReader;
    const metrics = new RaExpiryMetrics(service, reader);
    expect(metrics).toBeDefined();
    expect(await service.registry.metrics()).toContain('scep_ra_certificate_expiry_seconds{generation="active",tenant="acme",profile="laptops"}');
    fail = true;
    jest.spyOn(performance, 'now').mockReturnValue(performance.now() + 120_000);
    expect(await service.registry.metrics()).toContain('scep_ra_certificate_expiry_seconds{generation="active",tenant="acme",profile="laptops"}');
    expect(reader.raCertificates).toHaveBeenCalledTimes(2);
    jest.restoreAllMocks();
  });
});
