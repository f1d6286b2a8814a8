import { Injectable } from '@nestjs/common';
import { SqlClient, statement } from '@scep/persistence-core';
import type { IssuedCertificateEntity } from './issued-certificate.entity';

export type IssuedCertificateRow = Omit<
  IssuedCertificateEntity,
  'revokedAt' | 'revocationReason' | 'revokedBy' | 'revocationComment' | 'holdReleasedAt' | 'holdReleasedBy' | 'createdAt'
>;

const SQL = {
  insert: statement(
    'issuance.insert-certificate',
    `INSERT INTO issuance.certificates (id, tenant_id, ca_id, profile_id, enrollment_id, serial_hex, subject, not_before, not_after, certificate_der)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT DO NOTHING RETURNING id`,
  ),
  byEnrollment: statement(
    'issuance.certificate-by-enrollment',
    `SELECT id, tenant_id, ca_id, profile_id, enrollment_id, serial_hex, subject, not_before, not_after, certificate_der
       FROM issuance.certificates WHERE tenant_id = $1 AND enrollment_id = $2`,
  ),
};

/** Issued certificates (owner: signer-worker). One per enrollment; serials unique per CA. */
@Injectable()
export class IssuedCertificateRepository {
  constructor(private readonly sql: SqlClient) {}

  /**
   * Stores a certificate unless its enrollment already has one or its serial is taken (both unique): one statement,
   * no read first. Returns false on either conflict; the caller tells them apart with findByEnrollment.
   */
  async insertIfAbsent(row: IssuedCertificateRow): Promise<boolean> {
    const inserted = await this.sql.one(SQL.insert, [
      row.id, row.tenantId, row.caId, row.profileId, row.enrollmentId, row.serialHex, row.subject, row.notBefore, row.notAfter, row.certificateDer,
    ]);
    return inserted !== undefined;
  }

  async findByEnrollment(tenantId: string, enrollmentId: string): Promise<IssuedCertificateRow | undefined> {
    const row = await this.sql.one(SQL.byEnrollment, [tenantId, enrollmentId]);
    if (!row) return undefined;
    return {
      id: row.id as string,
      tenantId: row.tenant_id as string,
      caId: row.ca_id as string,
      profileId: row.profile_id as string,
      enrollmentId: row.enrollment_id as string,
      serialHex: row.serial_hex as string,
      subject: row.subject as string,
      notBefore: row.not_before as Date,
      notAfter: row.not_after as Date,
      certificateDer: row.certificate_der as Buffer,
    };
  }
}
