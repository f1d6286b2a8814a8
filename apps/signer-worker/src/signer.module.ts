import { Module } from '@nestjs/common';
import { CaKeyStore } from '@scep/ca-keystore';
import { Queues } from '@scep/contracts';
import { DatabaseReadiness, SqlClient, databaseRootModule } from '@scep/persistence-core';
import {
  CertificateAuthorityRepository,
  CertificateRevocationRepository,
  CrlRepository,
  IssuedCertificateRepository,
  OcspResponderRepository,
  RaCredentialRepository,
  issuanceEntities,
} from '@scep/persistence-issuance';
import { RedisReadiness, queueModule, queueRootModule } from '@scep/queues';
import { opsProviders, telemetryLoggerModule } from '@scep/telemetry';
import { NatsConnection, NatsReadiness } from '@scep/transport';
import { CaSigner } from './ca-signing/ca-signer';
import { CrlIssuer } from './crl/crl-issuer.service';
import { CaGenerator } from './key-management/ca-generator.service';
import { KeyManagementProcessor } from './key-management/key-management.processor';
import { RaIssuer } from './key-management/ra-issuer.service';
import { OcspResponderIssuer } from './ocsp/ocsp-responder-issuer.service';
import { CertificateRevoker } from './revocation/certificate-revoker.service';
import { RevocationProcessor } from './revocation/revocation.processor';
import { ApprovalCheck } from './signing/approval-check';
import { CertificateIssuer } from './signing/certificate-issuer.service';
import { IssuingCaCache } from './signing/issuing-ca.cache';
import { SignCertificateProcessor } from './signing/sign-certificate.processor';
import { SigningOutcomePublisher } from './signing/signing-outcome.publisher';
import { signerConfig } from './signer-config';

/**
 * The only process with CA private keys. Reachable by nobody: it consumes queues, writes the issuance schema and
 * publishes signing outcomes (outbound connections only; its operations listener serves metrics and probes).
 */
@Module({
  imports: [
    telemetryLoggerModule('signer-worker', signerConfig().LOG_LEVEL),
    databaseRootModule('signer-worker', issuanceEntities),
    queueRootModule(),
    queueModule(Queues.certificateSigning, Queues.keyManagement, Queues.certificateRevocation),
  ],
  providers: [
    SqlClient,
    CertificateAuthorityRepository,
    IssuedCertificateRepository,
    RaCredentialRepository,
    CrlRepository,
    CertificateRevocationRepository,
    OcspResponderRepository,
    CaKeyStore,
    IssuingCaCache,
    CaSigner,
    NatsConnection,
    ApprovalCheck,
    CertificateIssuer,
    SigningOutcomePublisher,
    SignCertificateProcessor,
    CrlIssuer,
    CaGenerator,
    RaIssuer,
    KeyManagementProcessor,
    OcspResponderIssuer,
    CertificateRevoker,
    RevocationProcessor,
    ...opsProviders(() => ({ host: signerConfig().SIGNER_OPS_HOST, port: signerConfig().SIGNER_OPS_PORT, portVariable: 'SIGNER_OPS_PORT' })),
    DatabaseReadiness,
    RedisReadiness,
    NatsReadiness,
  ],
})
export class SignerModule {}
