import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import { Readiness } from './readiness';
import { ServiceMetrics } from './service-metrics';

export interface OpsServerOptions {
  readonly host: string;
  /** 0 picks a free port (tests); the ready line reports the URL (`opsUrl`). */
  readonly port: number;
  /** Env variable that sets the port, named in the error when it is taken. */
  readonly portVariable: string;
  /** Bound on each dependency check of a readiness probe. */
  readonly readinessTimeoutMs?: number;
}

export const OPS_SERVER_OPTIONS = Symbol('OPS_SERVER_OPTIONS');

/**
 * Every service's operations listener, apart from any public port: GET /metrics (Prometheus text), /healthz
 * (liveness: the process serves), /readyz (readiness: its dependencies answer within a short timeout; 503 otherwise,
 * naming the failed one). Bound to loopback unless configured. If the port is taken the service still runs
 * (enrollment matters more than metrics) and says so loudly.
 */
@Injectable()
export class OpsHttpServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OpsHttpServer.name);
  private server?: Server;
  /** The last readiness verdict, to log changes (not every probe). */
  private lastReady?: boolean;

  constructor(
    @Inject(OPS_SERVER_OPTIONS) private readonly options: OpsServerOptions,
    private readonly metrics: ServiceMetrics,
    private readonly readiness: Readiness,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { host, port } = this.options;
    const server = createServer((req, res) => void this.handle(req, res));
    server.requestTimeout = 5000;
    server.headersTimeout = 5000;
    server.keepAliveTimeout = 5000;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      this.server = server;
    } catch (error) {
      this.logger.error({ host, port, error: (error as NodeJS.ErrnoException).code ?? 'unknown' }, `operations endpoint not started: set ${this.options.portVariable} to a free port`);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Base URL (http://host:port), once listening. */
  url(): string | undefined {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) return undefined;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    switch (path) {
      case '/metrics':
        try {
          const body = await this.metrics.registry.metrics();
          res.writeHead(200, { 'Content-Type': this.metrics.registry.contentType }).end(body);
        } catch (error) {
          this.logger.warn({ reason: error instanceof Error ? error.name : 'error' }, 'metrics could not be collected');
          res.writeHead(500).end();
        }
        return;
      case '/healthz':
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
        return;
      case '/readyz': {
        const report = await this.readiness.report(this.options.readinessTimeoutMs ?? 2000);
        if (report.ready !== this.lastReady) {
          if (report.ready) this.logger.log({ checks: report.checks }, 'ready');
          else this.logger.warn({ checks: report.checks }, 'not ready: a dependency failed or timed out');
          this.lastReady = report.ready;
        }
        res.writeHead(report.ready ? 200 : 503, { 'Content-Type': 'application/json' }).end(JSON.stringify({ status: report.ready ? 'ready' : 'not ready', checks: report.checks }));
        return;
      }
      default:
        res.writeHead(404).end();
    }
  }
}

/** The providers a service adds for its operations listener. */
export function opsProviders(options: () => OpsServerOptions): Provider[] {
  return [ServiceMetrics, Readiness, { provide: OPS_SERVER_OPTIONS, useFactory: options }, OpsHttpServer];
}
