import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { TenantEntity } from '@scep/persistence-tenancy';
import type { Principal } from '../auth/principal';
import { AdminError } from '../common/admin-error';

/**
 * Resolves the tenant of a route and checks the caller may act on it. Another tenant's objects are reported as
 * not found: a tenant key cannot even learn that they exist.
 */
@Injectable()
export class TenantAccess {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async resolve(principal: Principal, tenantSlug: string): Promise<TenantEntity> {
    const tenant = await this.dataSource.getRepository(TenantEntity).findOneBy({ slug: tenantSlug });
    if (!tenant || (principal.tenantId !== null && principal.tenantId !== tenant.id)) {
      throw new AdminError('not_found', `tenant '${tenantSlug}' not found`, 'tenant');
    }
    return tenant;
  }

  requirePlatform(principal: Principal): void {
    if (principal.tenantId !== null) throw new AdminError('forbidden', 'this operation needs a platform operator key');
  }
}
