/** How an outbound HTTP exchange failed; none of these carries a URL, header or body (they may hold secrets). */
export type OutboundFailure = 'timeout' | 'network' | 'too-large';

export class OutboundHttpError extends Error {
  constructor(readonly failure: OutboundFailure) {
    super(`outbound HTTP ${failure}`);
    this.name = 'OutboundHttpError';
  }
}

export interface OutboundRequest {
  readonly method: 'GET' | 'POST';
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** Bounds the whole exchange, body included. */
  readonly signal: AbortSignal;
  /** Answers longer than this are refused (a validator is not a download). */
  readonly maxResponseBytes?: number;
}

export interface OutboundResponse {
  readonly status: number;
  readonly text: string;
}

const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024;

/**
 * One bounded HTTP exchange with Node's fetch (undici: traced by the OpenTelemetry undici instrumentation). Never
 * follows redirects: a validator that redirects would receive signed bodies and bearer tokens somewhere else.
 * Throws OutboundHttpError for timeouts, connection errors and oversized answers; any status is returned.
 */
export async function sendOutbound(url: string, request: OutboundRequest): Promise<OutboundResponse> {
  const limit = request.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  try {
    const response = await fetch(url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: request.signal,
      redirect: 'error',
    });
    return { status: response.status, text: await readBounded(response, limit) };
  } catch (error) {
    if (error instanceof OutboundHttpError) throw error;
    throw new OutboundHttpError(request.signal.aborted ? 'timeout' : 'network');
  }
}

async function readBounded(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw new OutboundHttpError('too-large');
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw new OutboundHttpError('too-large');
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses JSON without throwing (validators answer garbage sometimes). */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
