import { ApiKeyEntity } from './api-key.entity';
import { ProfileEntity } from './profile.entity';
import { TenantEntity } from './tenant.entity';

export * from './tenant.entity';
export * from './profile.entity';
export * from './api-key.entity';

/** Entities owned by admin-api (schema `tenancy`). */
export const tenancyEntities = [TenantEntity, ProfileEntity, ApiKeyEntity];
