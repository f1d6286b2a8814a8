import type { KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { UnrecoverableError } from 'bullmq';
import { CaKeyStore } from '@scep/ca-keystore';
import { LoadingCache } from '@scep/persistence-core';
import { CertificateAuthorityRepository } from '@scep/persistence-issuance';
import { type CertificateInfo, readCertificate } from '@scep/pki';

export interface IssuingCa {
  readonly id: string;
  readonly certificate: CertificateInfo;
  readonly privateKey: KeyObject;
}

/**
 * CA certificate and key per (tenant, CA), parsed and unwrapped once per process. A CA that is not the tenant's
 * fails the job permanently: an approval can never make one tenant's CA sign for another.
 */
@Injectable()
export class IssuingCaCache {
  private readonly cache = new LoadingCache<IssuingCa>({ maxEntries: 10_000 });

  constructor(
    private readonly cas: CertificateAuthorityRepository,
    private readonly keys: CaKeyStore,
  ) {}

  get(tenantId: string, caId: string): Promise<IssuingCa> {
    return this.cache.get(`${tenantId}/${caId}`, () => this.load(tenantId, caId));
  }

  private async load(tenantId: string, caId: string): Promise<IssuingCa> {
    const row = await this.cas.find(tenantId, caId);
    if (!row) throw new UnrecoverableError('ca-not-found');
    return { id: caId, certificate: readCertificate(row.certificateDer), privateKey: await this.keys.load(tenantId, caId) };
  }
}
