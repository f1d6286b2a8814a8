/**
 * The load generator's HTTP: node:http with a keep-alive agent (cheaper per request than fetch, so the load
 * generator's own CPU stays small next to the server's). Every request has a deadline.
 */
import http from 'node:http';

export interface HttpReply {
  readonly status: number;
  readonly contentType: string | undefined;
  /** Retry-After header as sent (503 replies should carry one). */
  readonly retryAfter: string | undefined;
  readonly body: Buffer;
}

/** A transport-level failure (refused, reset, timed out): counted by its code, never confused with an HTTP status. */
export class TransportError extends Error {
  constructor(readonly code: string) {
    super(`transport error ${code}`);
  }
}

export class HttpClient {
  private readonly agent: http.Agent;

  constructor(maxSockets: number) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  request(url: string, options: { method: 'GET' | 'POST'; body?: Buffer; timeoutMs: number; headers?: Record<string, string> }): Promise<HttpReply> {
    return new Promise((resolve, reject) => {
      const headers: http.OutgoingHttpHeaders = {
        ...(options.body ? { 'content-type': 'application/x-pki-message', 'content-length': options.body.length } : {}),
        ...options.headers,
      };
      const req = http.request(url, { method: options.method, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: res.headers['content-type'],
            retryAfter: res.headers['retry-after'],
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', (error: NodeJS.ErrnoException) => reject(new TransportError(error.code ?? 'ERESPONSE')));
      });
      req.setTimeout(options.timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.on('error', (error: NodeJS.ErrnoException) => reject(new TransportError(error.code ?? error.message)));
      req.end(options.body);
    });
  }

  /** PKIOperation by POST (RFC 8894 §4.3). */
  postPkiOperation(scepUrl: string, der: Buffer, timeoutMs: number): Promise<HttpReply> {
    return this.request(`${scepUrl}?operation=PKIOperation`, { method: 'POST', body: der, timeoutMs });
  }

  close(): void {
    this.agent.destroy();
  }
}
