import { FailInfo, MessageType, PkiStatus } from '@scep/codec';
import { ServiceMetrics } from '@scep/telemetry';
import type { ScepEndpoint } from '../endpoints/scep-endpoint';
import { ScepExchange } from './scep-exchange';
import { ScepMetrics } from './scep-metrics';

const endpoint = (tenantSlug: string, profileSlug: string) => ({ tenantSlug, profileSlug }) as ScepEndpoint;

function exchange(fill: (e: ScepExchange) => void): ScepExchange {
  const e = new ScepExchange();
  fill(e);
  return e;
}

/** The sample lines of one metric in the exposition text. */
async function samples(service: ServiceMetrics, name: string): Promise<string[]> {
  return (await service.registry.metrics()).split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describe('gateway request metrics: label values', () => {
  it('maps messageType, pkiStatus and failInfo to their RFC 8894 names, "none" where there is none', async () => {
    const service = new ServiceMetrics({ tenantLabels: true });
    const metrics = new ScepMetrics(service);
    const acme = endpoint('acme', 'laptops');
    metrics.record(exchange((e) => {
      e.endpoint = acme;
      e.setOperation('PKIOperation');
      e.setMessageType(MessageType.PKCSReq);
      e.setAnswer(PkiStatus.Success);
    }), 200, 0.02);
    metrics.record(exchange((e) => {
      e.endpoint = acme;
      e.setOperation('PKIOperation');
      e.setMessageType(MessageType.RenewalReq);
      e.setAnswer(PkiStatus.Failure, FailInfo.BadCertId);
    }), 200, 0.01);
    metrics.record(exchange((e) => {
      e.endpoint = acme;
      e.setOperation('PKIOperation');
      e.setMessageType(MessageType.CertPoll);
      e.setAnswer(PkiStatus.Pending, FailInfo.BadAlg);
    }), 200, 0.01);
    metrics.record(exchange((e) => {
      e.endpoint = acme;
      e.setOperation('GetCACert');
    }), 200, 0.001);
    // A CertRep sent to the server is no request type of ours.
    metrics.record(exchange((e) => {
      e.endpoint = acme;
      e.setOperation('PKIOperation');
      e.setMessageType(MessageType.CertRep);
      e.setAnswer(PkiStatus.Failure, FailInfo.BadRequest);
    }), 200, 0.01);

    expect(await samples(service, 'scep_requests_total')).toEqual([
      'scep_requests_total{operation="PKIOperation",message_type="PKCSReq",pki_status="SUCCESS",fail_info="none",http_status="200",tenant="acme",profile="laptops"} 1',
      'scep_requests_total{operation="PKIOperation",message_type="RenewalReq",pki_status="FAILURE",fail_info="badCertId",http_status="200",tenant="acme",profile="laptops"} 1',
      'scep_requests_total{operation="PKIOperation",message_type="CertPoll",pki_status="PENDING",fail_info="none",http_status="200",tenant="acme",profile="laptops"} 1',
      'scep_requests_total{operation="GetCACert",message_type="none",pki_status="none",fail_info="none",http_status="200",tenant="acme",profile="laptops"} 1',
      'scep_requests_total{operation="PKIOperation",message_type="none",pki_status="FAILURE",fail_info="badRequest",http_status="200",tenant="acme",profile="laptops"} 1',
    ]);
    expect(await samples(service, 'scep_request_duration_seconds_count')).toEqual([
      'scep_request_duration_seconds_count{operation="PKIOperation",message_type="PKCSReq",tenant="acme",profile="laptops"} 1',
      'scep_request_duration_seconds_count{operation="PKIOperation",message_type="RenewalReq",tenant="acme",profile="laptops"} 1',
      'scep_request_duration_seconds_count{operation="PKIOperation",message_type="CertPoll",tenant="acme",profile="laptops"} 1',
      'scep_request_duration_seconds_count{operation="GetCACert",message_type="none",tenant="acme",profile="laptops"} 1',
      'scep_request_duration_seconds_count{operation="PKIOperation",message_type="none",tenant="acme",profile="laptops"} 1',
    ]);
  });

  it('never takes tenant or profile from the path: an unknown endpoint counts with empty ones', async () => {
    const service = new ServiceMetrics({ tenantLabels: true });
    const metrics = new ScepMetrics(service);
    for (let i = 0; i < 100; i++) metrics.record(new ScepExchange(), 404, 0.001);
    expect(await samples(service, 'scep_requests_total')).toEqual([
      'scep_requests_total{operation="none",message_type="none",pki_status="none",fail_info="none",http_status="404",tenant="",profile=""} 100',
    ]);
  });

  it('counts the same combination of one endpoint into one series, and requests refused before routing without timing them', async () => {
    const service = new ServiceMetrics({ tenantLabels: true });
    const metrics = new ScepMetrics(service);
    const acme = endpoint('acme', 'laptops');
    for (let i = 0; i < 3; i++) metrics.record(exchange((e) => {
      e.endpoint = acme;
      e.setOperation('GetCACaps');
    }), 200, 0.001);
    metrics.record(new ScepExchange(), 413, undefined);
    expect(await samples(service, 'scep_requests_total')).toEqual([
      'scep_requests_total{operation="GetCACaps",message_type="none",pki_status="none",fail_info="none",http_status="200",tenant="acme",profile="laptops"} 3',
      'scep_requests_total{operation="none",message_type="none",pki_status="none",fail_info="none",http_status="413",tenant="",profile=""} 1',
    ]);
    expect(await samples(service, 'scep_request_duration_seconds_count')).toEqual([
      'scep_request_duration_seconds_count{operation="GetCACaps",message_type="none",tenant="acme",profile="laptops"} 3',
    ]);
  });

  it('has no tenant or profile label with METRICS_TENANT_LABELS=false: tenants share the series', async () => {
    const service = new ServiceMetrics({ tenantLabels: false });
    const metrics = new ScepMetrics(service);
    for (const [tenant, profile] of [['acme', 'laptops'], ['globex', 'routers']] as const) {
      metrics.record(exchange((e) => {
        e.endpoint = endpoint(tenant, profile);
        e.setOperation('PKIOperation');
        e.setMessageType(MessageType.PKCSReq);
        e.setAnswer(PkiStatus.Success);
      }), 200, 0.02);
    }
    expect(await samples(service, 'scep_requests_total')).toEqual([
      'scep_requests_total{operation="PKIOperation",message_type="PKCSReq",pki_status="SUCCESS",fail_info="none",http_status="200"} 2',
    ]);
    expect((await service.registry.metrics()).match(/tenant=|profile=/g)).toBeNull();
  });

  it('counts throttled requests by reason, both reasons present from the start', async () => {
    const service = new ServiceMetrics({ tenantLabels: true });
    const metrics = new ScepMetrics(service);
    expect(await samples(service, 'scep_requests_throttled_total')).toEqual([
      'scep_requests_throttled_total{reason="locked"} 0',
      'scep_requests_throttled_total{reason="failure_budget"} 0',
    ]);
    metrics.throttled('failure_budget');
    metrics.throttled('failure_budget');
    metrics.throttled('locked');
    expect(await samples(service, 'scep_requests_throttled_total')).toEqual([
      'scep_requests_throttled_total{reason="locked"} 1',
      'scep_requests_throttled_total{reason="failure_budget"} 2',
    ]);
  });
});
