import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ApiKeyService } from '../auth/api-key.service';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { ApiZodBody, ZodPipe } from '../common/zod-body';
import { TenantAccess } from '../tenants/tenant-access.service';

const CreateKey = z.object({ name: z.string().min(1).max(100) });

@ApiTags('api keys')
@ApiBearerAuth()
@Controller('v1')
export class ApiKeysController {
  constructor(
    private readonly keys: ApiKeyService,
    private readonly access: TenantAccess,
  ) {}

  @Post('tenants/:tenant/api-keys')
  @HttpCode(201)
  @ApiOperation({ summary: "Create a tenant-scoped API key; the key is shown once" })
  @ApiZodBody(CreateKey)
  async createTenantKey(@CurrentPrincipal() principal: Principal, @Param('tenant') tenantSlug: string, @Body(new ZodPipe(CreateKey)) body: z.output<typeof CreateKey>) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    return { ...(await this.keys.create(tenant.id, body.name)), tenant: tenant.slug };
  }

  @Post('api-keys')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a platform operator API key; the key is shown once' })
  @ApiZodBody(CreateKey)
  async createPlatformKey(@CurrentPrincipal() principal: Principal, @Body(new ZodPipe(CreateKey)) body: z.output<typeof CreateKey>) {
    this.access.requirePlatform(principal);
    return this.keys.create(null, body.name);
  }
}
