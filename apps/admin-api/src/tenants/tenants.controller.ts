import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { z } from 'zod';
import { isUniqueViolation } from '@scep/persistence-core';
import { TenantEntity } from '@scep/persistence-tenancy';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { AdminError } from '../common/admin-error';
import { ApiZodBody, ZodPipe } from '../common/zod-body';
import { TenantAccess } from './tenant-access.service';

export const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes, 1-63 characters');

const CreateTenant = z.object({
  slug,
  displayName: z.string().min(1).max(200),
});

const view = (t: TenantEntity) => ({ id: t.id, slug: t.slug, displayName: t.displayName, createdAt: t.createdAt });

@ApiTags('tenants')
@ApiBearerAuth()
@Controller('v1/tenants')
export class TenantsController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: TenantAccess,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a tenant (platform operator)' })
  @ApiZodBody(CreateTenant)
  async create(@CurrentPrincipal() principal: Principal, @Body(new ZodPipe(CreateTenant)) body: z.output<typeof CreateTenant>) {
    this.access.requirePlatform(principal);
    const tenant = Object.assign(new TenantEntity(), { id: randomUUID(), slug: body.slug, displayName: body.displayName });
    try {
      await this.dataSource.getRepository(TenantEntity).insert(tenant);
    } catch (error) {
      if (isUniqueViolation(error)) throw new AdminError('conflict', `tenant '${body.slug}' already exists`, 'slug');
      throw error;
    }
    return view(tenant);
  }

  @Get()
  @ApiOperation({ summary: 'List tenants (platform operator: all; tenant key: its own)' })
  async list(@CurrentPrincipal() principal: Principal) {
    const repository = this.dataSource.getRepository(TenantEntity);
    const tenants = principal.tenantId === null ? await repository.find({ order: { createdAt: 'ASC' } }) : await repository.findBy({ id: principal.tenantId });
    return { items: tenants.map(view) };
  }

  @Get(':tenant')
  @ApiOperation({ summary: 'Get a tenant' })
  async get(@CurrentPrincipal() principal: Principal, @Param('tenant') tenantSlug: string) {
    return view(await this.access.resolve(principal, tenantSlug));
  }
}
