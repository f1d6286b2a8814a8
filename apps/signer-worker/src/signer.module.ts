import { Module } from '@nestjs/common';
import { CaKeyStore } from '@scep/ca-keystore';
import { Queues } from '@scep/contracts';
import { databaseRootModule } from '@scep/persistence-core';
import { issuanceEntities } from '@scep/persistence-issuance';
import { telemetryLoggerModule } from '@scep/telemetry';
import { queueModule, queueRootModule } from '@scep/transport';
import { CrlIssuer } from './crl/crl-issuer.service';
import { CaGenerator } from './key-management/ca-generator.service';
import { KeyManagementProcessor } from './key-management/key-management.processor';
import { RaIssuer } from './key-management/ra-issuer.service';
import { EnrollmentOutcomesProducer } from './outcomes/enrollment-outcomes.producer';
import { CertificateIssuer } from './signing/certificate-issuer.service';
import { IssuingCaCache } from './signing/issuing-ca.cache';
import { SignCertificateProcessor } from './signing/sign-certificate.processor';
import { signerConfig } from './signer-config';

/** The only process with CA private keys. Reachable by nobody: it consumes queues and writes the issuance schema. */
@Module({
  imports: [
    telemetryLoggerModule('signer-worker', signerConfig().LOG_LEVEL),
    databaseRootModule('signer-worker', issuanceEntities),
    queueRootModule(),
    queueModule(Queues.certificateSigning, Queues.keyManagement, Queues.enrollmentOutcomes),
  ],
  providers: [
    CaKeyStore,
    IssuingCaCache,
    CertificateIssuer,
    EnrollmentOutcomesProducer,
    SignCertificateProcessor,
    CrlIssuer,
    CaGenerator,
    RaIssuer,
    KeyManagementProcessor,
  ],
})
export class SignerModule {}
