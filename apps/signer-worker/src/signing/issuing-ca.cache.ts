import type { KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { CaKeyStore } from '@scep/ca-keystore';
import { type CertificateInfo, readCertificate } from '@scep/pki';
import { CertificateAuthorityEntity } from '@scep/persistence-issuance';

export interface IssuingCa {
  readonly id: string;
  readonly certificate: CertificateInfo;
  readonly privateKey: KeyObject;
}

/** A CA not found for the tenant: a permanent job failure. */
export class UnknownCaError extends Error {
  constructor(readonly caId: string) {
    super(`CA ${caId} not found for tenant`);
    this.name = 'UnknownCaError';
  }
}

/** CA certificate and key per (tenant, CA), parsed and unwrapped once per process. */
@Injectable()
export class IssuingCaCache {
  private readonly cache = new Map<string, Promise<IssuingCa>>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keys: CaKeyStore,
  ) {}

  get(tenantId: string, caId: string): Promise<IssuingCa> {
    const key = `${tenantId}/${caId}`;
    let pending = this.cache.get(key);
    if (!pending) {
      pending = this.load(tenantId, caId);
      this.cache.set(key, pending);
      pending.catch(() => this.cache.delete(key));
    }
    return pending;
  }

  private async load(tenantId: string, caId: string): Promise<IssuingCa> {
    const row = await this.dataSource.getRepository(CertificateAuthorityEntity).findOneBy({ tenantId, id: caId });
    if (!row) throw new UnknownCaError(caId);
    return { id: caId, certificate: readCertificate(row.certificateDer), privateKey: await this.keys.load(tenantId, caId) };
  }
}
