import type { KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { UnrecoverableError } from 'bullmq';
import type { DataSource } from 'typeorm';
import { CaKeyStore } from '@scep/ca-keystore';
import { LoadingCache } from '@scep/persistence-core';
import { type CertificateInfo, readCertificate } from '@scep/pki';
import { CertificateAuthorityEntity } from '@scep/persistence-issuance';

export interface IssuingCa {
  readonly id: string;
  readonly certificate: CertificateInfo;
  readonly privateKey: KeyObject;
}


/** CA certificate and key per (tenant, CA), parsed and unwrapped once per process. An unknown CA fails the job permanently. */
@Injectable()
export class IssuingCaCache {
  private readonly cache = new LoadingCache<IssuingCa>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keys: CaKeyStore,
  ) {}

  get(tenantId: string, caId: string): Promise<IssuingCa> {
    return this.cache.get(`${tenantId}/${caId}`, () => this.load(tenantId, caId));
  }

  private async load(tenantId: string, caId: string): Promise<IssuingCa> {
    const row = await this.dataSource.getRepository(CertificateAuthorityEntity).findOneBy({ tenantId, id: caId });
    if (!row) throw new UnrecoverableError('ca-not-found');
    return { id: caId, certificate: readCertificate(row.certificateDer), privateKey: await this.keys.load(tenantId, caId) };
  }
}
