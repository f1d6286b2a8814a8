/** An HTTP answer of the gateway: exact Content-Type, never with parameters (scep-protocol.md §1.3). */
export interface ScepReply {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Short plain-text error for anything answered before a signed CertRep can be built (§2.5). */
export function textReply(status: number, message: string, headers?: Record<string, string>): ScepReply {
  return { status, contentType: 'text/plain', body: Buffer.from(`${message}\n`), headers };
}
