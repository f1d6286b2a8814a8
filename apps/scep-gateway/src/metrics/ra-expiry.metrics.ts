import { Injectable } from '@nestjs/common';
import { CertificateExpiryReader, type RaExpiryRecord, effectiveGenerations } from '@scep/persistence-read';
import { ServiceMetrics, scrapeGauge } from '@scep/telemetry';

/** Profiles read per scrape at most (one row each): a bound on the query and on the series. */
export const MAX_RA_EXPIRY_ROWS = 50_000;

type Generation = 'active' | 'next' | 'previous';

/**
 * scep_ra_certificate_expiry_seconds{tenant, profile, generation}: seconds until the notAfter of each live RA of
 * every active profile — active, the announced next, the retired previous (the clock decides which is which, as
 * GetCACert does; RFC 8894 §4.7, docs/adr/004-renewal-rollover-crl.md). Read from the database when Prometheus scrapes
 * (at most once a minute), not from the endpoint cache: a profile no device used lately must still be alerted on.
 * Without tenant labels: one series per generation, the soonest expiry over all profiles.
 */
@Injectable()
export class RaExpiryMetrics {
  constructor(metrics: ServiceMetrics, reader: CertificateExpiryReader) {
    const tenants = metrics.tenants;
    scrapeGauge({
      name: 'scep_ra_certificate_expiry_seconds',
      help: 'Seconds until the notAfter of the RA certificates of active profiles, by generation (active, next, previous); negative once expired.',
      labelNames: tenants.names(['generation']),
      registry: metrics.registry,
      source: { read: () => reader.raCertificates(MAX_RA_EXPIRY_ROWS), maxAgeMs: 60_000, timeoutMs: 2000 },
      show: (gauge, records, now) => {
        const soonest = new Map<Generation, number>();
        for (const record of records) {
          for (const [generation, notAfter] of generationsOf(record, now)) {
            const seconds = (notAfter.getTime() - now.getTime()) / 1000;
            if (tenants.enabled) gauge.set(tenants.labels({ generation }, { tenant: record.tenantSlug, profile: record.profileSlug }), seconds);
            else soonest.set(generation, Math.min(seconds, soonest.get(generation) ?? Number.POSITIVE_INFINITY));
          }
        }
        for (const [generation, seconds] of soonest) gauge.set({ generation }, seconds);
      },
    });
  }
}

/** The profile's RA generations as the gateway sees them now (a switch time passed makes next active). */
export function generationsOf(record: RaExpiryRecord, now: Date): Array<[Generation, Date]> {
  if (!record.raNotAfter.current) return [];
  const effective = effectiveGenerations(record.raNotAfter, now);
  const out: Array<[Generation, Date]> = [];
  if (effective.active) out.push(['active', effective.active]);
  if (effective.upcoming) out.push(['next', effective.upcoming]);
  if (effective.retired) out.push(['previous', effective.retired]);
  return out;
}
