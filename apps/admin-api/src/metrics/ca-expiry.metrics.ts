import { Injectable } from '@nestjs/common';
import { CertificateExpiryReader } from '@scep/persistence-read';
import { ServiceMetrics, scrapeGauge } from '@scep/telemetry';

/** CAs read per scrape at most: a bound on the query and on the series. */
export const MAX_CA_EXPIRY_ROWS = 50_000;

/**
 * scep_ca_certificate_expiry_seconds{tenant, ca}: seconds until each CA certificate's notAfter (`ca` is the CA's
 * name, unique within its tenant). Read from the database when Prometheus scrapes, at most once a minute. Without
 * tenant labels (METRICS_TENANT_LABELS=false) there is no per-CA series either — one CA per tenant at least — but one
 * unlabelled series: the soonest expiry of all CAs.
 */
@Injectable()
export class CaExpiryMetrics {
  constructor(metrics: ServiceMetrics, reader: CertificateExpiryReader) {
    const tenants = metrics.tenants;
    scrapeGauge({
      name: 'scep_ca_certificate_expiry_seconds',
      help: 'Seconds until the notAfter of CA certificates; negative once expired.',
      labelNames: tenants.enabled ? ['tenant', 'ca'] : [],
      registry: metrics.registry,
      source: { read: () => reader.caCertificates(MAX_CA_EXPIRY_ROWS), maxAgeMs: 60_000, timeoutMs: 2000 },
      show: (gauge, records, now) => {
        let soonest = Number.POSITIVE_INFINITY;
        for (const record of records) {
          const seconds = (record.notAfter.getTime() - now.getTime()) / 1000;
          if (tenants.enabled) gauge.set({ tenant: record.tenantSlug, ca: record.caName }, seconds);
          else soonest = Math.min(soonest, seconds);
        }
        if (!tenants.enabled && records.length > 0) gauge.set(soonest);
      },
    });
  }
}
