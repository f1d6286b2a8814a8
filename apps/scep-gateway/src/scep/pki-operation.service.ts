import { Injectable, Logger } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import {
  ContentTypes,
  type ContentCipher,
  FailInfo,
  MessageType,
  type ParsedPkiMessage,
  PkiStatus,
  ScepCodecError,
  buildCertRep,
  openEnvelope,
  parseIssuerAndSubject,
  parsePkiMessage,
  replyCipherFor,
  verifyPkiMessage,
} from '@scep/codec';
import { ChallengeVerify, type EnrollmentState, EnrollmentStatus, EnrollmentSubmit, type FailInfoName } from '@scep/contracts';
import { type CertificateInfo, type CsrInfo, PkiError, parseCsr, spkiFingerprint } from '@scep/pki';
import { RpcClient } from '@scep/transport';
import { createHash } from 'node:crypto';
import type { ScepEndpoint } from '../endpoints/scep-endpoint';
import { SigningJobWaiter } from '../signing/signing-job.waiter';
import { type ScepReply, textReply } from './scep-reply';

/** What the device is told, before it is signed and encoded as a CertRep. */
type Outcome =
  | { readonly status: PkiStatus.Success; readonly certificateDer: Buffer; readonly cipher: ContentCipher }
  | { readonly status: PkiStatus.Pending }
  | { readonly status: PkiStatus.Failure; readonly failInfo: FailInfo; readonly reason: string };

/** A step of the pipeline refused the request: answered as a signed FAILURE (§2.5), never as an HTTP error. */
class RequestRefused extends Error {
  constructor(
    readonly failInfo: FailInfo,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const FAIL_INFO_BY_NAME: Record<FailInfoName, FailInfo> = {
  badAlg: FailInfo.BadAlg,
  badMessageCheck: FailInfo.BadMessageCheck,
  badRequest: FailInfo.BadRequest,
  badTime: FailInfo.BadTime,
  badCertId: FailInfo.BadCertId,
};

/**
 * PKIOperation (scep-protocol.md §5.3): parse -> verify -> decrypt -> challenge -> policy -> wait for signing ->
 * CertRep. Before the SCEP attributes are readable: HTTP 400. After: a CertRep signed by the RA, whatever happens.
 */
@Injectable()
export class PkiOperationService {
  private readonly logger = new Logger(PkiOperationService.name);

  constructor(
    private readonly rpc: RpcClient,
    private readonly signing: SigningJobWaiter,
  ) {}

  async handle(endpoint: ScepEndpoint, body: Buffer, clientAddress: string): Promise<ScepReply> {
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
    let recipient: CertificateInfo | undefined;
    try {
      recipient = this.verify(message);
      outcome = await this.dispatch(endpoint, message, recipient, clientAddress);
    } catch (error) {
      if (!(error instanceof RequestRefused)) throw error;
      outcome = { status: PkiStatus.Failure, failInfo: error.failInfo, reason: error.reason };
    }

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
    return { status: 200, contentType: ContentTypes.pkiMessage, body: this.certRep(endpoint, message, outcome, recipient) };
  }

  private verify(message: ParsedPkiMessage): CertificateInfo {
    try {
      return verifyPkiMessage(message);
    } catch (error) {
      throw refusal(error, FailInfo.BadMessageCheck);
    }
  }

  private dispatch(endpoint: ScepEndpoint, message: ParsedPkiMessage, signer: CertificateInfo, clientAddress: string): Promise<Outcome> {
    switch (message.messageType) {
      case MessageType.PKCSReq:
        return this.pkcsReq(endpoint, message, signer, clientAddress);
      case MessageType.CertPoll:
        return this.certPoll(endpoint, message, signer);
      default:
        // RenewalReq, GetCert and GetCRL arrive with the protocol-completion issue; anything else is not SCEP.
        throw new RequestRefused(FailInfo.BadRequest, `unsupported messageType ${message.messageType}`);
    }
  }

  private async pkcsReq(endpoint: ScepEndpoint, message: ParsedPkiMessage, signer: CertificateInfo, clientAddress: string): Promise<Outcome> {
    const envelope = this.open(endpoint, message);
    const csr = this.readCsr(envelope.content);
    // Proof of possession (RFC 8894 §2.3, scep-protocol.md §13): the request is signed by the key being certified.
    if (!signer.spkiDer.equals(csr.spkiDer)) throw new RequestRefused(FailInfo.BadRequest, 'signer key differs from the CSR key');

    const keyFingerprint = spkiFingerprint(csr.spkiDer);
    const facts = {
      subject: csr.subject,
      keyFingerprint,
      subjectAltNames: csr.subjectAltNames.map((san) => (san.type === 'other' ? { type: 'other', value: String(san.tag) } : { type: san.type, value: san.value })),
      keyAlgorithm: csr.keyAlgorithm,
      keySize: csr.keySize,
    };
    const csrDer = envelope.content.toString('base64');
    const challenge = await this.rpc.call(ChallengeVerify, {
      tenantId: endpoint.tenantId,
      profileId: endpoint.profileId,
      transactionId: message.transactionId,
      messageType: message.messageType,
      challenge: csr.challengePassword,
      csr: facts,
      csrDer,
      clientAddress,
    });
    if (challenge.decision === 'reject') throw new RequestRefused(FailInfo.BadRequest, `challenge ${challenge.reason}`);

    const state = await this.rpc.call(EnrollmentSubmit, {
      tenantId: endpoint.tenantId,
      profileId: endpoint.profileId,
      transactionId: message.transactionId,
      messageType: message.messageType,
      csrDer,
      csr: facts,
      csrFingerprint: createHash('sha256').update(envelope.content).digest('hex'),
      keyFingerprint,
      signerFingerprint: spkiFingerprint(signer.spkiDer),
      requestCipher: envelope.contentCipher,
      requestDigest: message.digestAlgorithm,
    });
    return this.settle(state, endpoint.syncWaitMs, replyCipherFor(envelope.contentCipher));
  }

  /** CertPoll / GetCertInitial (RFC 8894 §3.3.3): the stored state of the transaction, for the key that requested it. */
  private async certPoll(endpoint: ScepEndpoint, message: ParsedPkiMessage, signer: CertificateInfo): Promise<Outcome> {
    const envelope = this.open(endpoint, message);
    try {
      // The body names issuer and subject; the transaction is identified by transactionID + signer key (§6.3).
      parseIssuerAndSubject(envelope.content);
    } catch (error) {
      throw refusal(error, FailInfo.BadRequest);
    }
    const state = await this.rpc.call(EnrollmentStatus, {
      tenantId: endpoint.tenantId,
      profileId: endpoint.profileId,
      transactionId: message.transactionId,
      signerFingerprint: spkiFingerprint(signer.spkiDer),
    });
    if (state.state === 'unknown') throw new RequestRefused(FailInfo.BadCertId, 'unknown transaction');
    return this.settle(state, endpoint.syncWaitMs, replyCipherFor(envelope.contentCipher));
  }

  private async settle(state: EnrollmentState, syncWaitMs: number, cipher: ContentCipher): Promise<Outcome> {
    switch (state.state) {
      case 'issued':
        return { status: PkiStatus.Success, certificateDer: Buffer.from(state.certificateDer, 'base64'), cipher };
      case 'pending':
        return { status: PkiStatus.Pending };
      case 'rejected':
        return { status: PkiStatus.Failure, failInfo: FAIL_INFO_BY_NAME[state.failInfo], reason: state.reason };
      case 'queued': {
        const waited = await this.signing.wait(state.jobId, syncWaitMs);
        switch (waited.kind) {
          case 'completed':
            return { status: PkiStatus.Success, certificateDer: Buffer.from(waited.result.certificateDer, 'base64'), cipher };
          case 'failed':
            return { status: PkiStatus.Failure, failInfo: FailInfo.BadRequest, reason: 'signing failed' };
          case 'timeout':
            return { status: PkiStatus.Pending };
        }
      }
    }
  }

  private open(endpoint: ScepEndpoint, message: ParsedPkiMessage) {
    if (!message.content) throw new RequestRefused(FailInfo.BadRequest, 'no pkcsPKIEnvelope');
    try {
      return openEnvelope(message.content, [endpoint.ra]);
    } catch (error) {
      // One answer for every decryption failure: no padding oracle (§13).
      throw refusal(error, FailInfo.BadRequest);
    }
  }

  private readCsr(der: Buffer): CsrInfo {
    let csr: CsrInfo;
    try {
      csr = parseCsr(der);
    } catch (error) {
      throw refusal(error, FailInfo.BadRequest);
    }
    if (!csr.signatureValid) throw new RequestRefused(FailInfo.BadMessageCheck, 'CSR signature invalid');
    return csr;
  }

  private certRep(endpoint: ScepEndpoint, message: ParsedPkiMessage, outcome: Outcome, recipient: CertificateInfo | undefined): Buffer {
    const common = {
      transactionIdEncoded: message.transactionIdEncoded,
      recipientNonce: message.senderNonce,
      digestAlgorithm: message.digestAlgorithm,
      signer: endpoint.ra,
      extraCertificates: [endpoint.ca.der],
    };
    switch (outcome.status) {
      case PkiStatus.Success:
        if (!recipient) throw new Error('SUCCESS without a verified requester');
        return buildCertRep({
          ...common,
          status: PkiStatus.Success,
          success: { certificates: [outcome.certificateDer], recipient, contentCipher: outcome.cipher },
        });
      case PkiStatus.Pending:
        return buildCertRep({ ...common, status: PkiStatus.Pending });
      case PkiStatus.Failure:
        return buildCertRep({ ...common, status: PkiStatus.Failure, failInfo: outcome.failInfo });
    }
  }
}

/** Codec/PKI errors become refusals with their failInfo; anything else is a bug and propagates (HTTP 500). */
function refusal(error: unknown, fallback: FailInfo): RequestRefused {
  if (error instanceof ScepCodecError) return new RequestRefused(error.failInfo ?? fallback, `${error.code.toLowerCase()}: ${error.message}`.slice(0, 200));
  if (error instanceof PkiError) return new RequestRefused(fallback, error.code.toLowerCase());
  throw error;
}
