import { Injectable, Logger } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import { ContentTypes, FailInfo, MessageType, type ParsedPkiMessage, PkiStatus, ScepCodecError, parsePkiMessage, verifyPkiMessage } from '@scep/codec';
import { type CertificateInfo, PkiError } from '@scep/pki';
import { type ScepEndpoint, generationsNow, liveGenerations } from '../endpoints/scep-endpoint';
import { type ScepReply, textReply } from '../scep/scep-reply';
import { CertRepResponder } from './cert-rep.responder';
import { CertPollHandler } from './handlers/cert-poll.handler';
import { CertificateRequestHandler } from './handlers/certificate-request.handler';
import { GetCertHandler } from './handlers/get-cert.handler';
import { GetCrlHandler } from './handlers/get-crl.handler';
import type { MessageHandler } from './handlers/message-handler';
import type { Outcome } from './outcome';
import { classifySigner } from './signer-classification';
import { ClientThrottled, RequestRefused, type VerifiedRequest, refusal } from './verified-request';
import { RequestThrottle } from '../abuse/request-throttle';

/**
 * PKIOperation (RFC 8894 §3): parse -> verify -> the handler of the message type -> CertRep. Before the SCEP
 * attributes are readable: HTTP 400. After: a CertRep signed by an RA of the profile, whatever happens.
 */
@Injectable()
export class PkiOperationService {
  private readonly logger = new Logger(PkiOperationService.name);
  private readonly handlers: ReadonlyMap<MessageType, MessageHandler>;

  constructor(
    private readonly responder: CertRepResponder,
    private readonly throttle: RequestThrottle,
    certificateRequests: CertificateRequestHandler,
    certPolls: CertPollHandler,
    getCerts: GetCertHandler,
    getCrls: GetCrlHandler,
  ) {
    const handlers = new Map<MessageType, MessageHandler>();
    for (const handler of [certificateRequests, certPolls, getCerts, getCrls]) {
      for (const type of handler.messageTypes) {
        if (handlers.has(type)) throw new Error(`two handlers for messageType ${type}`);
        handlers.set(type, handler);
      }
    }
    this.handlers = handlers;
  }

  async handle(endpoint: ScepEndpoint, body: Buffer, clientAddress: string): Promise<ScepReply> {
    // Before any parsing or RSA work: a client locked out of the profile, or over its budget of FAILUREs.
    const wait = this.throttle.retryAfter(endpoint, clientAddress);
    if (wait) return throttled(wait.seconds);

    let message: ParsedPkiMessage;
    try {
      message = parsePkiMessage(body);
    } catch (error) {
      if (error instanceof ScepCodecError || error instanceof PkiError) return textReply(400, 'malformed pkiMessage');
      throw error;
    }
    const span = trace.getActiveSpan();
    span?.setAttributes({ 'scep.message_type': message.messageType, 'scep.tenant': endpoint.tenantSlug, 'scep.profile': endpoint.profileSlug });

    let outcome: Outcome;
    let requester: CertificateInfo | undefined;
    const replyAs: VerifiedRequest['replyAs'] = {};
    try {
      requester = verify(message);
      const request: VerifiedRequest = { message, messageDer: body, signer: requester, signerKind: classifySigner(requester, liveGenerations(endpoint)), endpoint, clientAddress, replyAs };
      const handler = this.handlers.get(message.messageType);
      if (!handler) throw new RequestRefused(FailInfo.BadRequest, `unsupported messageType ${message.messageType}`);
      outcome = await handler.handle(request);
    } catch (error) {
      if (error instanceof ClientThrottled) {
        this.throttle.locked(endpoint, clientAddress, error.retryAfterSeconds);
        this.logger.log({ tenant: endpoint.tenantSlug, profile: endpoint.profileSlug, transactionId: message.transactionId, clientAddress }, 'PKIOperation refused: client locked out');
        return throttled(error.retryAfterSeconds);
      }
      if (!(error instanceof RequestRefused)) throw error;
      outcome = { status: PkiStatus.Failure, failInfo: error.failInfo, reason: error.reason };
    }
    if (outcome.status === PkiStatus.Failure) this.throttle.failureReplied(endpoint, clientAddress);

    span?.setAttributes({
      'scep.pki_status': PkiStatus[outcome.status],
      ...(outcome.status === PkiStatus.Failure ? { 'scep.fail_info': FailInfo[outcome.failInfo] } : {}),
    });
    this.logger.log(
      {
        tenant: endpoint.tenantSlug,
        profile: endpoint.profileSlug,
        transactionId: message.transactionId,
        messageType: message.messageType,
        pkiStatus: PkiStatus[outcome.status],
        ...(outcome.status === PkiStatus.Failure ? { failInfo: FailInfo[outcome.failInfo], reason: outcome.reason } : {}),
      },
      'PKIOperation',
    );
    const responder = replyAs.generation ?? generationsNow(endpoint).active;
    return { status: 200, contentType: ContentTypes.pkiMessage, body: this.responder.respond(responder, message, outcome, requester) };
  }
}

/** HTTP 429 with Retry-After: no CertRep, so no RSA signature (docs/adr/008-abuse-and-client-addresses.md). */
function throttled(seconds: number): ScepReply {
  return textReply(429, 'too many requests', { 'retry-after': String(seconds) });
}

function verify(message: ParsedPkiMessage): CertificateInfo {
  try {
    return verifyPkiMessage(message);
  } catch (error) {
    throw refusal(error, FailInfo.BadMessageCheck);
  }
}
