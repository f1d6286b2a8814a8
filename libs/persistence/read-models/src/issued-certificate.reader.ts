import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { BULK_REVOCATION_PREDICATE, type BulkRevocationSelection, bulkRevocationParameters } from './revocation-selection';

export interface IssuedCertificateRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly caId: string;
  readonly profileId: string;
  readonly enrollmentId: string;
  readonly serialHex: string;
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly certificateDer: Buffer;
  readonly revokedAt: Date | null;
  /** RFC 5280 §5.3.1 CRLReason code; null when not revoked (or revoked before reasons were recorded). */
  readonly revocationReason: number | null;
  readonly revokedBy: string | null;
  readonly revocationComment: string | null;
  readonly holdReleasedAt: Date | null;
  readonly holdReleasedBy: string | null;
  readonly createdAt: Date;
}

export interface CertificatePage {
  readonly items: IssuedCertificateRecord[];
  /** Opaque cursor for the next page, absent on the last page. */
  readonly nextCursor?: string;
}

const COLUMNS = `id, tenant_id, ca_id, profile_id, enrollment_id, serial_hex, subject, not_before, not_after, certificate_der, revoked_at,
  revocation_reason, revoked_by, revocation_comment, hold_released_at, hold_released_by, created_at`;

function toRecord(row: Record<string, unknown>): IssuedCertificateRecord {
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
    revokedAt: (row.revoked_at as Date | null) ?? null,
    revocationReason: (row.revocation_reason as number | null) ?? null,
    revokedBy: (row.revoked_by as string | null) ?? null,
    revocationComment: (row.revocation_comment as string | null) ?? null,
    holdReleasedAt: (row.hold_released_at as Date | null) ?? null,
    holdReleasedBy: (row.hold_released_by as string | null) ?? null,
    createdAt: row.created_at as Date,
  };
}

/** Read-only projection of issuance.certificates (owner: signer-worker): by serial, or newest first, keyset-paginated. */
@Injectable()
export class IssuedCertificateReader {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Whether an unexpired, unrevoked certificate of the profile has this subject (the "refuse duplicates" rule). */
  async hasValidWithSubject(tenantId: string, profileId: string, subject: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM issuance.certificates
        WHERE tenant_id = $1 AND profile_id = $2 AND subject = $3 AND revoked_at IS NULL AND not_after > now() LIMIT 1`,
      [tenantId, profileId, subject],
    );
    return rows.length > 0;
  }

  /** A certificate of one of the tenant's CAs by serial (upper-case hex without leading zeros). */
  async findBySerial(tenantId: string, caId: string, serialHex: string): Promise<IssuedCertificateRecord | undefined> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM issuance.certificates WHERE tenant_id = $1 AND ca_id = $2 AND serial_hex = $3`,
      [tenantId, caId, serialHex],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** The tenant's certificates with this serial, under any of its CAs (serials are unique per CA only). */
  async findBySerialInTenant(tenantId: string, serialHex: string): Promise<IssuedCertificateRecord[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM issuance.certificates WHERE tenant_id = $1 AND serial_hex = $2 ORDER BY created_at LIMIT 10`,
      [tenantId, serialHex],
    );
    return rows.map(toRecord);
  }

  /** How many certificates a bulk revocation of this selection would revoke now (the dry run), up to `limit` + 1. */
  async countForBulkRevocation(tenantId: string, selection: BulkRevocationSelection, limit: number): Promise<number> {
    const rows: Array<{ n: number }> = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM (SELECT 1 FROM issuance.certificates WHERE ${BULK_REVOCATION_PREDICATE} LIMIT $5) matched`,
      [...bulkRevocationParameters(tenantId, selection), limit + 1],
    );
    return rows[0]?.n ?? 0;
  }

  /**
   * Revocation status of serials of one CA (OCSP): revoked ones with time and reason; serials absent from the map
   * were never issued by this CA.
   */
  async statuses(tenantId: string, caId: string, serials: readonly string[]): Promise<Map<string, { revokedAt: Date | null; reason: number | null }>> {
    const rows: Array<{ serial_hex: string; revoked_at: Date | null; revocation_reason: number | null }> = serials.length
      ? await this.dataSource.query(
          `SELECT serial_hex, revoked_at, revocation_reason FROM issuance.certificates WHERE tenant_id = $1 AND ca_id = $2 AND serial_hex = ANY($3::text[])`,
          [tenantId, caId, [...serials]],
        )
      : [];
    return new Map(rows.map((r) => [r.serial_hex, { revokedAt: r.revoked_at ?? null, reason: r.revocation_reason ?? null }]));
  }

  /** The certificate the signer issued for an enrollment, if any (one per enrollment). */
  async findByEnrollment(tenantId: string, enrollmentId: string): Promise<IssuedCertificateRecord | undefined> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM issuance.certificates WHERE tenant_id = $1 AND enrollment_id = $2`,
      [tenantId, enrollmentId],
    );
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  async list(tenantId: string, options: { limit: number; cursor?: string; profileId?: string }): Promise<CertificatePage> {
    const params: unknown[] = [tenantId, options.limit + 1];
    const where = ['tenant_id = $1'];
    if (options.profileId) {
      params.push(options.profileId);
      where.push(`profile_id = $${params.length}`);
    }
    const after = options.cursor ? decodeCursor(options.cursor) : undefined;
    if (after) {
      params.push(after.createdAt, after.id);
      where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM issuance.certificates WHERE ${where.join(' AND ')}
        ORDER BY created_at DESC, id DESC LIMIT $2`,
      params,
    );
    const items = rows.slice(0, options.limit).map(toRecord);
    const last = items[items.length - 1];
    return rows.length > options.limit && last ? { items, nextCursor: encodeCursor(last.createdAt, last.id) } : { items };
  }
}

function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(`${createdAt.toISOString()}|${id}`).toString('base64url');
}

/** Undefined for a cursor we did not make (the caller answers 400). */
export function decodeCursor(cursor: string): { createdAt: string; id: string } | undefined {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!createdAt || !id || Number.isNaN(Date.parse(createdAt)) || !/^[0-9a-f-]{36}$/.test(id)) return undefined;
  return { createdAt, id };
}
