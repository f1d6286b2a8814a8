import { createHash } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { trace } from '@opentelemetry/api';
import {
  ContentTypes,
  type ContentCipher,
  FailInfo,
  MessageType,
  type OpenedEnvelope,
  type ParsedPkiMessage,
  PkiStatus,
  ScepCodecError,
  buildCertRep,
  openEnvelope,
  parseIssuerAndSerialNumber,
  parseIssuerAndSubject,
  parsePkiMessage,
  replyCipherFor,
  verifyPkiMessage,
} from '@scep/codec';
import { ChallengeVerify, type EnrollmentState, EnrollmentStatus, EnrollmentSubmit, type FailInfoName, csrFacts } from '@scep/contracts';
import { CrlReader, IssuedCertificateReader } from '@scep/persistence-read';
import { type CertificateInfo, type CsrInfo, PkiError, parseCsr, readCertificate, serialToHex, spkiFingerprint } from '@scep/pki';
import { RpcClient } from '@scep/transport';
import { type CaGeneration, type ScepEndpoint, generationsNow, liveGenerations } from '../endpoints/scep-endpoint';
import { SigningJobWaiter } from '../signing/signing-job.waiter';
import { type ScepReply, textReply } from './scep-reply';
import { type SignerKind, classifySigner } from './signer-classification';

/** What the device is told, before it is signed and encoded as a CertRep. */
type Outcome =
  | { readonly status: PkiStatus.Success; readonly certificates: Buffer[]; readonly crls?: Buffer[]; readonly cipher: ContentCipher }
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

/** The request as far as every message type needs it: verified signer, who it is, the endpoint. */
interface VerifiedRequest {
  readonly message: ParsedPkiMessage;
  readonly signer: CertificateInfo;
  readonly signerKind: SignerKind;
  readonly endpoint: ScepEndpoint;
  /**
   * The generation whose RA opened the envelope: it signs the reply, because the client verifies the reply with the
   * RA it encrypted to (Apple's SecSCEPVerifyReply; RFC 8894 §4.7 during a rollover). Unset until decryption.
   */
  readonly replyAs: { generation?: CaGeneration };
}

/**
 * PKIOperation (scep-protocol.md §5.3): parse -> verify -> decrypt -> per message type -> CertRep. Before the SCEP
 * attributes are readable: HTTP 400. After: a CertRep signed by the active RA, whatever happens.
 */
@Injectable()
export class PkiOperationService {
  private readonly logger = new Logger(PkiOperationService.name);

  constructor(
    private readonly rpc: RpcClient,
    private readonly signing: SigningJobWaiter,
    private readonly certificates: IssuedCertificateReader,
    private readonly crls: CrlReader,
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
    const replyAs: VerifiedRequest['replyAs'] = {};
    try {
      recipient = this.verify(message);
      const request: VerifiedRequest = { message, signer: recipient, signerKind: classifySigner(recipient, liveGenerations(endpoint)), endpoint, replyAs };
      outcome = await this.dispatch(request, clientAddress);
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
    const responder = replyAs.generation ?? generationsNow(endpoint).active;
    return { status: 200, contentType: ContentTypes.pkiMessage, body: this.certRep(responder, message, outcome, recipient) };
  }

  private verify(message: ParsedPkiMessage): CertificateInfo {
    try {
      return verifyPkiMessage(message);
    } catch (error) {
      throw refusal(error, FailInfo.BadMessageCheck);
    }
  }

  private dispatch(request: VerifiedRequest, clientAddress: string): Promise<Outcome> {
    switch (request.message.messageType) {
      case MessageType.PKCSReq:
      case MessageType.RenewalReq:
        return this.certificateRequest(request, clientAddress);
      case MessageType.CertPoll:
        return this.certPoll(request);
      case MessageType.GetCert:
        return this.getCert(request);
      case MessageType.GetCRL:
        return this.getCrl(request);
      default:
        throw new RequestRefused(FailInfo.BadRequest, `unsupported messageType ${request.message.messageType}`);
    }
  }

  /**
   * PKCSReq and RenewalReq (RFC 8894 §3.3.1). A signer certificate issued by one of the profile's CAs makes it a
   * renewal — authenticated by that certificate, no challenge, a new key allowed — whatever the messageType
   * (sscep, certmonger and macOS renew with PKCSReq). Otherwise: challenge and proof of possession.
   */
  private async certificateRequest(request: VerifiedRequest, clientAddress: string): Promise<Outcome> {
    const { message, signer, signerKind, endpoint } = request;
    if (message.messageType === MessageType.RenewalReq && signerKind.kind !== 'issued') {
      throw signerKind.kind === 'self-signed'
        ? new RequestRefused(FailInfo.BadRequest, 'RenewalReq signed by a self-signed certificate')
        : new RequestRefused(FailInfo.BadCertId, 'RenewalReq signed by a certificate of another CA');
    }
    const envelope = this.open(request);
    const csr = this.readCsr(envelope.content);
    const keyFingerprint = spkiFingerprint(csr.spkiDer);
    const facts = {
      subject: csr.subject,
      keyFingerprint,
      subjectAltNames: csr.subjectAltNames.map((san) => (san.type === 'other' ? { type: 'other', value: String(san.tag) } : { type: san.type, value: san.value })),
      keyAlgorithm: csr.keyAlgorithm,
      keySize: csr.keySize,
    };
    const csrDer = envelope.content.toString('base64');
    // The RPC contracts bound what they carry (subject length, SAN count, challenge length): a CSR beyond them is a bad
    // request (FAILURE badRequest), not a contract violation in RpcClient that surfaced as HTTP 500 (gateway fuzz test).
    if (!csrFacts.safeParse(facts).success || !ChallengeVerify.request.shape.challenge.safeParse(csr.challengePassword).success) {
      throw new RequestRefused(FailInfo.BadRequest, 'CSR exceeds the platform limits');
    }

    if (signerKind.kind !== 'issued') {
      // Proof of possession (RFC 8894 §2.3, scep-protocol.md §13): the request is signed by the key being certified.
      if (!signer.spkiDer.equals(csr.spkiDer)) throw new RequestRefused(FailInfo.BadRequest, 'signer key differs from the CSR key');
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
    }
    trace.getActiveSpan()?.setAttribute('scep.renewal', signerKind.kind === 'issued');

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
      signerCertificateFingerprint: signerIdentity(signerKind, signer),
      issuingCaId: (request.replyAs.generation ?? generationsNow(endpoint).active).caId,
      renewal:
        signerKind.kind === 'issued'
          ? {
              caId: signerKind.generation.caId,
              serialHex: signer.serialHex,
              subject: signer.subject,
              notBefore: signer.notBefore.toISOString(),
              notAfter: signer.notAfter.toISOString(),
            }
          : undefined,
      requestCipher: envelope.contentCipher,
      requestDigest: message.digestAlgorithm,
    });
    return this.settle(state, endpoint.syncWaitMs, replyCipherFor(envelope.contentCipher));
  }

  /** CertPoll / GetCertInitial (RFC 8894 §3.3.3): the stored state of the transaction, for the key that requested it. */
  private async certPoll(request: VerifiedRequest): Promise<Outcome> {
    const { message, signer, endpoint } = request;
    const envelope = this.open(request);
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

  /**
   * GetCert (RFC 8894 §3.3.4): a certificate this CA issued, by issuer and serial, to a requester authenticated by a
   * valid certificate of this CA with the same subject. Certificates are public; the check keeps this from being
   * an enumeration service. sscep uses a constant transactionID here: no transaction is recorded.
   */
  private async getCert(request: VerifiedRequest): Promise<Outcome> {
    const { signer, signerKind, endpoint } = request;
    const envelope = this.open(request);
    const wanted = this.issuerAndSerial(envelope.content);
    const generation = this.generationIssuing(endpoint, wanted.issuerDer);
    if (signerKind.kind !== 'issued' || !validNow(signer)) throw new RequestRefused(FailInfo.BadRequest, 'GetCert needs a valid certificate of this CA');
    const record = await this.certificates.findBySerial(endpoint.tenantId, generation.caId, serialToHex(wanted.serialNumber));
    if (!record) throw new RequestRefused(FailInfo.BadCertId, 'no such certificate');
    const found = readCertificate(record.certificateDer);
    if (!found.subjectDer.equals(signer.subjectDer)) throw new RequestRefused(FailInfo.BadRequest, 'GetCert for another subject');
    return { status: PkiStatus.Success, certificates: [record.certificateDer], cipher: replyCipherFor(envelope.contentCipher) };
  }

  /** GetCRL (RFC 8894 §3.3.4): the current CRL of the CA named by the issuer (sscep sends the CA's own issuer/serial). */
  private async getCrl(request: VerifiedRequest): Promise<Outcome> {
    const { endpoint } = request;
    const envelope = this.open(request);
    const generation = this.generationIssuing(endpoint, this.issuerAndSerial(envelope.content).issuerDer);
    const crl = await this.crls.current(endpoint.tenantId, generation.caId);
    if (!crl) throw new RequestRefused(FailInfo.BadCertId, 'no CRL for this CA');
    return { status: PkiStatus.Success, certificates: [], crls: [crl.crlDer], cipher: replyCipherFor(envelope.contentCipher) };
  }

  private async settle(state: EnrollmentState, syncWaitMs: number, cipher: ContentCipher): Promise<Outcome> {
    switch (state.state) {
      case 'issued':
        return { status: PkiStatus.Success, certificates: [Buffer.from(state.certificateDer, 'base64')], cipher };
      case 'pending':
        return { status: PkiStatus.Pending };
      case 'rejected':
        return { status: PkiStatus.Failure, failInfo: FAIL_INFO_BY_NAME[state.failInfo], reason: state.reason };
      case 'queued': {
        const waited = await this.signing.wait(state.jobId, syncWaitMs);
        switch (waited.kind) {
          case 'completed':
            return { status: PkiStatus.Success, certificates: [Buffer.from(waited.result.certificateDer, 'base64')], cipher };
          case 'failed':
            return { status: PkiStatus.Failure, failInfo: FailInfo.BadRequest, reason: 'signing failed' };
          case 'timeout':
            return { status: PkiStatus.Pending };
        }
      }
    }
  }

  /**
   * Opens the envelope with whichever live RA it was encrypted to (active, announced next or retired, §8.2) and
   * remembers that generation for the reply.
   */
  private open(request: VerifiedRequest): OpenedEnvelope {
    const { message, endpoint } = request;
    if (!message.content) throw new RequestRefused(FailInfo.BadRequest, 'no pkcsPKIEnvelope');
    const generations = liveGenerations(endpoint);
    let envelope: OpenedEnvelope;
    try {
      envelope = openEnvelope(
        message.content,
        generations.map((g) => g.ra),
      );
    } catch (error) {
      // One answer for every decryption failure: no padding oracle (§13).
      throw refusal(error, FailInfo.BadRequest);
    }
    request.replyAs.generation = generations.find((g) => g.ra.certificate === envelope.recipient.certificate);
    return envelope;
  }

  private generationIssuing(endpoint: ScepEndpoint, issuerDer: Buffer): CaGeneration {
    const generation = liveGenerations(endpoint).find((g) => g.ca.subjectDer.equals(issuerDer));
    if (!generation) throw new RequestRefused(FailInfo.BadCertId, 'unknown issuer');
    return generation;
  }

  private issuerAndSerial(der: Buffer) {
    try {
      return parseIssuerAndSerialNumber(der);
    } catch (error) {
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

  private certRep(responder: CaGeneration, message: ParsedPkiMessage, outcome: Outcome, recipient: CertificateInfo | undefined): Buffer {
    const common = {
      transactionIdEncoded: message.transactionIdEncoded,
      recipientNonce: message.senderNonce,
      digestAlgorithm: message.digestAlgorithm,
      signer: responder.ra,
      extraCertificates: [responder.ca.der],
    };
    switch (outcome.status) {
      case PkiStatus.Success:
        if (!recipient) throw new Error('SUCCESS without a verified requester');
        return buildCertRep({
          ...common,
          status: PkiStatus.Success,
          success: { certificates: outcome.certificates, crls: outcome.crls, recipient, contentCipher: outcome.cipher },
        });
      case PkiStatus.Pending:
        return buildCertRep({ ...common, status: PkiStatus.Pending });
      case PkiStatus.Failure:
        return buildCertRep({ ...common, status: PkiStatus.Failure, failInfo: outcome.failInfo });
    }
  }
}

/**
 * Who signed, in a form that re-encoding cannot change: for a certificate one of our CAs issued, that CA and the
 * serial; for anything else (self-signed, foreign), the key. Hashing the certificate bytes would let a replayed
 * request with its signer certificate re-encoded (BER) pass as a new signer and mint another certificate
 * (gateway fuzz test). Same key, other issued certificate = a renewal = a new transaction (scep-protocol.md §9.4).
 */
function signerIdentity(kind: SignerKind, signer: CertificateInfo): string {
  const identity = kind.kind === 'issued' ? `issued|${kind.generation.caId}|${signer.serialHex}` : `key|${spkiFingerprint(signer.spkiDer)}`;
  return createHash('sha256').update(identity).digest('hex');
}

function validNow(certificate: CertificateInfo): boolean {
  const now = Date.now();
  return certificate.notBefore.getTime() <= now && now <= certificate.notAfter.getTime();
}

/** Codec/PKI errors become refusals with their failInfo; anything else is a bug and propagates (HTTP 500). */
function refusal(error: unknown, fallback: FailInfo): RequestRefused {
  if (error instanceof ScepCodecError) return new RequestRefused(error.failInfo ?? fallback, `${error.code.toLowerCase()}: ${error.message}`.slice(0, 200));
  if (error instanceof PkiError) return new RequestRefused(fallback, error.code.toLowerCase());
  throw error;
}
