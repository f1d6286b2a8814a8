import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { GenerateCa, JobIds } from '@scep/contracts';
import { CertificateAuthorityReader, type CertificateAuthorityRecord } from '@scep/persistence-read';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { AdminError } from '../common/admin-error';
import { certificatePem } from '../common/pem';
import { ApiZodBody, ZodPipe } from '../common/zod-body';
import { TenantAccess } from '../tenants/tenant-access.service';
import { KeyManagementClient } from './key-management.client';

const CreateCa = z.object({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,127}$/, 'letters, digits, space, dot, dash, underscore; 1-128'),
  /** RFC 4514 distinguished name, e.g. "CN=Acme Device CA,O=Acme,C=US". */
  subject: z.string().min(3).max(1024),
  keySize: z.union([z.literal(2048), z.literal(3072), z.literal(4096)]).default(2048),
  validityDays: z.number().int().min(30).max(36500).default(3650),
});

const view = (ca: CertificateAuthorityRecord) => ({
  id: ca.id,
  name: ca.name,
  subject: ca.subject,
  keySpec: ca.keySpec,
  notBefore: ca.notBefore,
  notAfter: ca.notAfter,
  createdAt: ca.createdAt,
  certificatePem: certificatePem(ca.certificateDer),
});

@ApiTags('certificate authorities')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant/cas')
export class CasController {
  constructor(
    private readonly access: TenantAccess,
    private readonly keyManagement: KeyManagementClient,
    private readonly cas: CertificateAuthorityReader,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a CA: the signer generates its key, which never leaves the signer' })
  @ApiZodBody(CreateCa)
  async create(@CurrentPrincipal() principal: Principal, @Param('tenant') tenantSlug: string, @Body(new ZodPipe(CreateCa)) body: z.output<typeof CreateCa>) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    if ((await this.cas.list(tenant.id)).some((ca) => ca.name === body.name)) {
      throw new AdminError('conflict', `CA '${body.name}' already exists`, 'name');
    }
    const caId = randomUUID();
    await this.keyManagement.run(
      GenerateCa,
      { tenantId: tenant.id, caId, name: body.name, subjectDn: body.subject, keySize: body.keySize, validityDays: body.validityDays },
      JobIds.generateCa(tenant.id, caId),
    );
    const ca = await this.cas.find(tenant.id, caId);
    if (!ca) throw new AdminError('failed', 'CA was not stored');
    return view(ca);
  }

  @Get()
  @ApiOperation({ summary: "List the tenant's CAs" })
  async list(@CurrentPrincipal() principal: Principal, @Param('tenant') tenantSlug: string) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    return { items: (await this.cas.list(tenant.id)).map(view) };
  }
}
