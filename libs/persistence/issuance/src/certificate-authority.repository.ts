import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { SqlClient, statement } from '@scep/persistence-core';
import { CertificateAuthorityEntity } from './certificate-authority.entity';

const SQL = {
  find: statement(
    'issuance.find-ca',
    `SELECT id, tenant_id, name, subject, certificate_der, key_spec, not_before, not_after, created_at
       FROM issuance.certificate_authorities WHERE tenant_id = $1 AND id = $2`,
  ),
};

/** CA certificates of the signer (owner: signer-worker); keys are CaKeyStore's (libs/ca-keystore). */
@Injectable()
export class CertificateAuthorityRepository {
  constructor(
    private readonly sql: SqlClient,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async find(tenantId: string, caId: string): Promise<CertificateAuthorityEntity | undefined> {
    const row = await this.sql.one(SQL.find, [tenantId, caId]);
    if (!row) return undefined;
    return Object.assign(new CertificateAuthorityEntity(), {
      id: row.id as string,
      tenantId: row.tenant_id as string,
      name: row.name as string,
      subject: row.subject as string,
      certificateDer: row.certificate_der as Buffer,
      keySpec: row.key_spec as string,
      notBefore: row.not_before as Date,
      notAfter: row.not_after as Date,
      createdAt: row.created_at as Date,
    });
  }

  /** Inserts a new CA and, in the same transaction, whatever `alsoStore` writes (its wrapped key). */
  async insert(row: CertificateAuthorityEntity, alsoStore: (manager: EntityManager) => Promise<void>): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.insert(CertificateAuthorityEntity, row);
      await alsoStore(manager);
    });
  }
}
