import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { BULK_REVOCATION_PREDICATE, bulkRevocationParameters } from '@scep/persistence-read';

/** Which certificates a revocation is about (the shape of RevocationSelector in @scep/contracts). */
export type RevocationTarget =
  | { readonly kind: 'serial'; readonly serialHex: string; readonly caId?: string }
  | { readonly kind: 'enrollments'; readonly enrollmentIds: readonly string[] }
  | { readonly kind: 'bulk'; readonly profileId?: string; readonly subjectEquals?: string; readonly subjectContains?: string };

/** A certificate's revocation state as the repository saw it (locked) or left it. */
export interface RevocationState {
  readonly id: string;
  readonly caId: string;
  readonly serialHex: string;
  readonly revokedAt: Date | null;
  readonly reasonCode: number | null;
}

export type RevocationOutcome =
  | { readonly kind: 'revoked'; readonly certificates: ReadonlyArray<RevocationState & { readonly changed: boolean }> }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'ambiguous'; readonly caIds: string[] }
  | { readonly kind: 'already-revoked'; readonly certificates: RevocationState[] }
  | { readonly kind: 'count-changed'; readonly matched: number };

export type HoldReleaseOutcome =
  | { readonly kind: 'released'; readonly certificate: RevocationState }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'ambiguous'; readonly caIds: string[] }
  | { readonly kind: 'not-on-hold'; readonly reasonCode: number | null };

const CERTIFICATE_HOLD = 6;
const COLUMNS = 'id, ca_id, serial_hex, revoked_at, revocation_reason';


/** The rows an UPDATE … RETURNING gave back (TypeORM answers UPDATEs as [rows, count] unless asked for a structured result). */
async function updatedRows(manager: EntityManager, text: string, params: unknown[]): Promise<Array<Record<string, unknown>>> {
  if (!manager.queryRunner) throw new Error('an UPDATE of revocations runs inside a transaction');
  const result = await manager.queryRunner.query(text, params, true);
  return result.records as Array<Record<string, unknown>>;
}

function toState(row: Record<string, unknown>): RevocationState {
  return {
    id: row.id as string,
    caId: row.ca_id as string,
    serialHex: row.serial_hex as string,
    revokedAt: (row.revoked_at as Date | null) ?? null,
    reasonCode: (row.revocation_reason as number | null) ?? null,
  };
}

/**
 * Revocations (owner: signer-worker), each in one transaction: the certificates are locked, checked, updated with
 * who/when/why, and the revocation generation of every CA concerned is bumped — or nothing is written at all.
 * RFC 5280 §5.3.1: certificateHold can be released, or made permanent with another reason; nothing else changes.
 */
@Injectable()
export class CertificateRevocationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async revoke(
    tenantId: string,
    target: RevocationTarget,
    change: { reasonCode: number; actor: string; comment?: string; expectedCount?: number; limit: number },
  ): Promise<RevocationOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await this.lockTargets(manager, tenantId, target, change.limit);
      if (target.kind === 'bulk') {
        if (rows.length !== change.expectedCount) return { kind: 'count-changed', matched: rows.length };
      } else if (rows.length === 0) {
        return { kind: 'not-found' };
      }
      if (target.kind === 'serial' && rows.length > 1) return { kind: 'ambiguous', caIds: rows.map((r) => r.caId) };
      // A permanent revocation stands (a hold cannot be put over it either); only a hold may become permanent. The same
      // revocation asked for again (a retried request) changes nothing and is no error.
      const conflicting = rows.filter((r) => r.revokedAt && r.reasonCode !== change.reasonCode && r.reasonCode !== CERTIFICATE_HOLD);
      if (conflicting.length) return { kind: 'already-revoked', certificates: conflicting };
      const toChange = rows.filter((r) => !r.revokedAt || r.reasonCode !== change.reasonCode);
      const updated = new Map<string, RevocationState>();
      if (toChange.length) {
        const changed = await updatedRows(
          manager,
          `UPDATE issuance.certificates
              SET revoked_at = now(), revocation_reason = $3, revoked_by = $4, revocation_comment = $5, hold_released_at = NULL, hold_released_by = NULL
            WHERE tenant_id = $1 AND id = ANY($2::uuid[])
        RETURNING ${COLUMNS}`,
          [tenantId, toChange.map((r) => r.id), change.reasonCode, change.actor, change.comment ?? null],
        );
        for (const row of changed) updated.set(row.id as string, toState(row));
        await this.bumpGenerations(manager, tenantId, [...new Set(toChange.map((r) => r.caId))]);
      }
      return { kind: 'revoked', certificates: rows.map((r) => ({ ...(updated.get(r.id) ?? r), changed: updated.has(r.id) })) };
    });
  }

  async releaseHold(tenantId: string, serialHex: string, caId: string | undefined, actor: string): Promise<HoldReleaseOutcome> {
    return this.dataSource.transaction(async (manager) => {
      const rows = await this.lockTargets(manager, tenantId, { kind: 'serial', serialHex, caId }, 2);
      const [row] = rows;
      if (!row) return { kind: 'not-found' };
      if (rows.length > 1) return { kind: 'ambiguous', caIds: rows.map((r) => r.caId) };
      if (!row.revokedAt || row.reasonCode !== CERTIFICATE_HOLD) return { kind: 'not-on-hold', reasonCode: row.revokedAt ? row.reasonCode : null };
      const [released] = await updatedRows(
        manager,
        `UPDATE issuance.certificates
            SET revoked_at = NULL, revocation_reason = NULL, revoked_by = NULL, revocation_comment = NULL, hold_released_at = now(), hold_released_by = $3
          WHERE tenant_id = $1 AND id = $2
      RETURNING ${COLUMNS}`,
        [tenantId, row.id, actor],
      );
      await this.bumpGenerations(manager, tenantId, [row.caId]);
      return { kind: 'released', certificate: toState(released as Record<string, unknown>) };
    });
  }

  /** The target's certificates, locked (FOR UPDATE) in a stable order so that concurrent revocations cannot deadlock. */
  private async lockTargets(manager: EntityManager, tenantId: string, target: RevocationTarget, limit: number): Promise<RevocationState[]> {
    let rows: Array<Record<string, unknown>>;
    switch (target.kind) {
      case 'serial':
        rows = await manager.query(
          `SELECT ${COLUMNS} FROM issuance.certificates WHERE tenant_id = $1 AND serial_hex = $2 AND ($3::uuid IS NULL OR ca_id = $3) ORDER BY id FOR UPDATE`,
          [tenantId, target.serialHex, target.caId ?? null],
        );
        break;
      case 'enrollments':
        rows = await manager.query(`SELECT ${COLUMNS} FROM issuance.certificates WHERE tenant_id = $1 AND enrollment_id = ANY($2::uuid[]) ORDER BY id FOR UPDATE`, [
          tenantId,
          [...target.enrollmentIds],
        ]);
        break;
      case 'bulk':
        // One more than the limit: a selection that grew past it is a changed count, never a partial revocation.
        // The predicate the admin API's dry run counted with (read-models).
        rows = await manager.query(`SELECT ${COLUMNS} FROM issuance.certificates WHERE ${BULK_REVOCATION_PREDICATE} ORDER BY id LIMIT $5 FOR UPDATE`, [
          ...bulkRevocationParameters(tenantId, target),
          limit + 1,
        ]);
        break;
      default:
        throw new Error('unknown revocation target');
    }
    return rows.map(toState);
  }

  private async bumpGenerations(manager: EntityManager, tenantId: string, caIds: readonly string[]): Promise<void> {
    await manager.query(`UPDATE issuance.certificate_authorities SET revocation_generation = revocation_generation + 1 WHERE tenant_id = $1 AND id = ANY($2::uuid[])`, [
      tenantId,
      [...caIds],
    ]);
  }
}
