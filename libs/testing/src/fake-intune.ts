import { type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A loopback stand-in for the three Microsoft endpoints the Intune SCEP validation flow uses (scep-protocol.md §12.2):
 * the identity platform's token endpoint, Microsoft Graph's service-principal endpoints, and the Intune
 * ScepRequestValidationFEService actions. Every request is checked against the documented contract (methods, paths,
 * headers, form fields, body shapes); anything off is answered 400/401 AND recorded in `violations`, which a test
 * expects to stay empty. What Intune answers is scripted per test: a code, an HTTP status, or a hang.
 * The challenge service reaches it only with CHALLENGE_OUTBOUND_ALLOW_PRIVATE=true or an allow-list entry for
 * 127.0.0.1 (Intune URLs otherwise go to Microsoft's hosts only).
 */

export const FAKE_INTUNE_SCOPE = 'https://api.manage.microsoft.com/.default';
const INTUNE_APP_ID = '0000000a-0000-0000-c000-000000000000';
const API_VERSION = '2018-02-20';
const SERVICE_PATH = '/TrafficGateway/TrafficRoutingService/ScepRequestValidationFEService/StatelessScepRequestValidationFEService';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export type FakeIntuneAction = 'validateRequest' | 'successNotification' | 'failureNotification';

/** What the fake Intune service answers to a ScepActions call. */
export type FakeIntuneAnswer =
  /** 200 {"code": code, "errorDescription": ...}: "Success" or an Intune error code. */
  | { readonly kind: 'code'; readonly code: string; readonly errorDescription?: string }
  /** That HTTP status with a JSON error body (e.g. 500, 503). */
  | { readonly kind: 'status'; readonly status: number }
  /** Accepts the request and never answers (until stop()). */
  | { readonly kind: 'hang' };

export interface FakeIntuneCredentials {
  readonly azureTenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface FakeIntuneCall {
  readonly action: FakeIntuneAction;
  readonly headers: IncomingHttpHeaders;
  /** The parsed JSON body. */
  readonly body: Record<string, unknown>;
  readonly answeredWith: FakeIntuneAnswer;
}

const SUCCESS: FakeIntuneAnswer = { kind: 'code', code: 'Success' };

export class FakeIntune {
  /** Requests that broke the documented contract (a test expects none). */
  readonly violations: string[] = [];
  /** Every ScepActions call that passed the contract checks, in order. */
  readonly calls: FakeIntuneCall[] = [];
  /** Scopes of the tokens issued, in order. */
  readonly tokenRequests: string[] = [];
  discoveryRequests = 0;

  private readonly tokens = new Map<string, string>();
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<ServerResponse>();
  private validationAnswer: FakeIntuneAnswer = SUCCESS;
  private readonly notificationAnswers: FakeIntuneAnswer[] = [];
  private tokenCounter = 0;

  private constructor(
    private readonly server: Server,
    private readonly credentials: FakeIntuneCredentials,
  ) {}

  static async start(credentials: FakeIntuneCredentials): Promise<FakeIntune> {
    const server = createServer();
    const fake = new FakeIntune(server, credentials);
    server.on('connection', (socket) => {
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    server.on('request', (req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** Base URL; serves as both the login URL and the Graph URL of a connection. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** What discovery reports as the ScepRequestValidationFEService URI. */
  get serviceUri(): string {
    return `${this.url}${SERVICE_PATH}`;
  }

  /** The answer to every following validateRequest. */
  answerValidation(answer: FakeIntuneAnswer): void {
    this.validationAnswer = answer;
  }

  /** Answers for the next notifications, in order; afterwards every notification succeeds. */
  answerNextNotifications(...answers: FakeIntuneAnswer[]): void {
    this.notificationAnswers.push(...answers);
  }

  callsOf(action: FakeIntuneAction): FakeIntuneCall[] {
    return this.calls.filter((call) => call.action === action);
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const raw = await readBody(req);
    if (path === `/${encodeURIComponent(this.credentials.azureTenantId)}/oauth2/v2.0/token`) return this.token(req, res, raw);
    if (path === `/v1.0/servicePrincipals/appId=${INTUNE_APP_ID}/endpoints`) return this.discovery(req, res);
    const action = path.startsWith(`${SERVICE_PATH}/ScepActions/`) ? path.slice(`${SERVICE_PATH}/ScepActions/`.length) : undefined;
    if (action === 'validateRequest' || action === 'successNotification' || action === 'failureNotification') return this.scepAction(action, req, res, raw);
    return this.refuse(res, 404, `unknown endpoint ${req.method} ${path}`);
  }

  private token(req: IncomingMessage, res: ServerResponse, raw: string): void {
    if (req.method !== 'POST') return this.refuse(res, 405, 'token: method must be POST');
    if (!(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
      return this.refuse(res, 400, 'token: body must be application/x-www-form-urlencoded');
    }
    const form = new URLSearchParams(raw);
    if (form.get('grant_type') !== 'client_credentials') return this.refuse(res, 400, 'token: grant_type must be client_credentials', { error: 'unsupported_grant_type' });
    const scope = form.get('scope') ?? '';
    if (scope !== FAKE_INTUNE_SCOPE && scope !== `${this.url}/.default`) return this.refuse(res, 400, `token: unexpected scope ${scope}`, { error: 'invalid_scope' });
    if (form.get('client_id') !== this.credentials.clientId || form.get('client_secret') !== this.credentials.clientSecret) {
      // Wrong credentials are a scenario, not a contract violation.
      return json(res, 401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.' });
    }
    const token = `fake-token-${++this.tokenCounter}-${scope === FAKE_INTUNE_SCOPE ? 'intune' : 'graph'}`;
    this.tokens.set(token, scope);
    this.tokenRequests.push(scope);
    json(res, 200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
  }

  private discovery(req: IncomingMessage, res: ServerResponse): void {
    if (req.method !== 'GET') return this.refuse(res, 405, 'discovery: method must be GET');
    if (this.bearerScope(req) !== `${this.url}/.default`) return this.refuse(res, 401, 'discovery: needs a Graph-scoped bearer token');
    this.discoveryRequests++;
    json(res, 200, {
      '@odata.context': `${this.url}/v1.0/$metadata#servicePrincipals('appId=${INTUNE_APP_ID}')/endpoints`,
      value: [
        { id: '1', capability: null, providerId: null, providerName: 'ScepRevocationFEService', providerResourceId: null, uri: `${this.url}/Revocation` },
        { id: '2', capability: null, providerId: null, providerName: 'ScepRequestValidationFEService', providerResourceId: null, uri: this.serviceUri },
      ],
    });
  }

  private scepAction(action: FakeIntuneAction, req: IncomingMessage, res: ServerResponse, raw: string): void {
    const problems: string[] = [];
    if (req.method !== 'POST') problems.push('method must be POST');
    if (this.bearerScope(req) !== FAKE_INTUNE_SCOPE) problems.push('needs an Intune-scoped bearer token');
    if (req.headers['api-version'] !== API_VERSION) problems.push(`api-version must be ${API_VERSION}`);
    if (!UUID.test(String(req.headers['client-request-id'] ?? ''))) problems.push('client-request-id must be a uuid');
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) problems.push('content type must be application/json');
    if (!req.headers['user-agent']) problems.push('a User-Agent (callerInfo) is expected');
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      problems.push('body is not JSON');
    }
    problems.push(...bodyProblems(action, body));
    if (problems.length) return this.refuse(res, problems.some((p) => p.includes('bearer')) ? 401 : 400, `${action}: ${problems.join('; ')}`);

    const answer = action === 'validateRequest' ? this.validationAnswer : (this.notificationAnswers.shift() ?? SUCCESS);
    this.calls.push({ action, headers: req.headers, body, answeredWith: answer });
    switch (answer.kind) {
      case 'code':
        return json(res, 200, { code: answer.code, errorDescription: answer.errorDescription ?? (answer.code === 'Success' ? '' : `${answer.code} (fake)`) });
      case 'status':
        return json(res, answer.status, { code: 'InternalServerError', errorDescription: 'fake failure' });
      case 'hang':
        this.hanging.add(res);
        res.on('close', () => this.hanging.delete(res));
        return;
    }
  }

  private bearerScope(req: IncomingMessage): string | undefined {
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    return match?.[1] ? this.tokens.get(match[1]) : undefined;
  }

  private refuse(res: ServerResponse, status: number, violation: string, body: object = { code: 'BadRequest', errorDescription: violation }): void {
    this.violations.push(violation);
    json(res, status, body);
  }
}

/** The documented body of each ScepActions call (Microsoft's IntuneScepValidator; scep-protocol.md §12.2). */
function bodyProblems(action: FakeIntuneAction, body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const wrapper = action === 'validateRequest' ? 'request' : 'notification';
  const inner = body[wrapper];
  if (typeof inner !== 'object' || inner === null) return [`body must be {"${wrapper}": {...}}`];
  const fields = inner as Record<string, unknown>;
  const text = (name: string) => typeof fields[name] === 'string' && (fields[name] as string).length > 0;
  const expected: Record<FakeIntuneAction, string[]> = {
    validateRequest: ['transactionId', 'certificateRequest', 'callerInfo'],
    successNotification: [
      'transactionId', 'certificateRequest', 'certificateThumbprint', 'certificateSerialNumber',
      'certificateExpirationDateUtc', 'issuingCertificateAuthority', 'callerInfo',
    ],
    failureNotification: ['transactionId', 'certificateRequest', 'hResult', 'errorDescription', 'callerInfo'],
  };
  for (const name of Object.keys(fields)) if (!expected[action].includes(name)) problems.push(`unexpected field ${name}`);
  for (const name of expected[action]) if (name !== 'hResult' && !text(name)) problems.push(`${name} must be a non-empty string`);
  if (text('certificateRequest') && !BASE64.test(fields.certificateRequest as string)) problems.push('certificateRequest must be base64 (DER PKCS#10)');
  if (action === 'successNotification') {
    if (text('certificateThumbprint') && !/^[0-9A-F]{40}$/.test(fields.certificateThumbprint as string)) problems.push('certificateThumbprint must be upper-case hex SHA-1');
    if (text('certificateSerialNumber') && !/^[0-9A-F]+$/.test(fields.certificateSerialNumber as string)) problems.push('certificateSerialNumber must be upper-case hex');
    const date = fields.certificateExpirationDateUtc as string;
    if (text('certificateExpirationDateUtc') && (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(date) || Number.isNaN(Date.parse(date)))) {
      problems.push('certificateExpirationDateUtc must be ISO 8601 UTC');
    }
  }
  if (action === 'failureNotification') {
    if (!Number.isInteger(fields.hResult)) problems.push('hResult must be an integer');
    if (text('errorDescription') && (fields.errorDescription as string).length > 255) problems.push('errorDescription must be at most 255 characters');
  }
  return problems;
}

function json(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 1024 * 1024) req.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
