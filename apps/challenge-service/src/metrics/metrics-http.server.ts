import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { challengeConfig } from '../challenge-config';
import { ChallengeMetrics } from './challenge-metrics';

/**
 * The service's only HTTP surface: GET /metrics (Prometheus text) and GET /healthz (liveness). Bound to loopback by
 * default. If the port is taken the service still runs (enrollment matters more than metrics) and says so loudly.
 */
@Injectable()
export class MetricsHttpServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsHttpServer.name);
  private server?: Server;

  constructor(private readonly metrics: ChallengeMetrics) {}

  async onApplicationBootstrap(): Promise<void> {
    const { CHALLENGE_METRICS_HOST: host, CHALLENGE_METRICS_PORT: port } = challengeConfig();
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
      this.logger.error({ host, port, error: (error as NodeJS.ErrnoException).code ?? 'unknown' }, 'metrics endpoint not started: set CHALLENGE_METRICS_PORT to a free port');
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
    } else if (path === '/metrics') {
      try {
        const body = await this.metrics.registry.metrics();
        res.writeHead(200, { 'Content-Type': this.metrics.registry.contentType }).end(body);
      } catch {
        res.writeHead(500).end();
      }
    } else if (path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}');
    } else {
      res.writeHead(404).end();
    }
  }
}
