import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** Read-only projection of tenancy.tenants (owner: admin-api): tenant ids to slugs, as metrics label tenants. */
@Injectable()
export class TenantSlugReader {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The slugs of these tenants (ids of tenants that no longer exist are absent). One query, whatever the count. */
  async slugsOf(tenantIds: readonly string[]): Promise<Map<string, string>> {
    if (tenantIds.length === 0) return new Map();
    const rows: Array<{ id: string; slug: string }> = await this.dataSource.query(`SELECT id, slug FROM tenancy.tenants WHERE id = ANY($1::uuid[])`, [tenantIds]);
    return new Map(rows.map((row) => [row.id, row.slug]));
  }
}
