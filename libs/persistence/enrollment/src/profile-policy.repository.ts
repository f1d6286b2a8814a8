import { Injectable } from '@nestjs/common';
import { SqlClient, isUniqueViolation, statement } from '@scep/persistence-core';

export interface StoredPolicyVersion {
  readonly version: number;
  /** As stored; the caller validates it against PolicyRules. */
  readonly rules: unknown;
  readonly createdAt: Date;
  readonly createdBy: string;
}

const SQL = {
  latest: statement(
    'policy.latest-version',
    `SELECT version, rules, created_at, created_by FROM enrollment.profile_policies
      WHERE tenant_id = $1 AND profile_id = $2 ORDER BY version DESC LIMIT 1`,
  ),
  insertNext: statement(
    'policy.insert-next-version',
    `INSERT INTO enrollment.profile_policies (id, tenant_id, profile_id, version, rules, created_by)
     SELECT $3, $1, $2, coalesce(max(version), 0) + 1, $4, $5 FROM enrollment.profile_policies WHERE tenant_id = $1 AND profile_id = $2
     RETURNING version, rules, created_at, created_by`,
  ),
};

/** Versioned policy rules of a profile (owner: policy-service): every write a new version, the highest in force. */
@Injectable()
export class ProfilePolicyRepository {
  constructor(private readonly sql: SqlClient) {}

  async latest(tenantId: string, profileId: string): Promise<StoredPolicyVersion | undefined> {
    const row = await this.sql.one(SQL.latest, [tenantId, profileId]);
    return row && toVersion(row);
  }

  /**
   * Stores `rules` as the next version in one statement. Two concurrent writers may compute the same number: the
   * unique (tenant, profile, version) refuses the second, which tries again (bounded).
   */
  async insertNext(id: () => string, tenantId: string, profileId: string, rules: object, actor: string): Promise<StoredPolicyVersion> {
    for (let attempt = 0; ; attempt++) {
      try {
        const row = await this.sql.one(SQL.insertNext, [tenantId, profileId, id(), rules, actor]);
        if (!row) throw new Error('insert returned nothing');
        return toVersion(row);
      } catch (error) {
        if (!isUniqueViolation(error) || attempt >= 3) throw error;
      }
    }
  }
}

function toVersion(row: Record<string, unknown>): StoredPolicyVersion {
  return { version: row.version as number, rules: row.rules, createdAt: row.created_at as Date, createdBy: row.created_by as string };
}
