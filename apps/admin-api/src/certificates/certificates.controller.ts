import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { IssuedCertificateReader, decodeCursor } from '@scep/persistence-read';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { AdminError } from '../common/admin-error';
import { certificatePem } from '../common/pem';
import { ApiZodQuery, ZodPipe } from '../common/zod-body';
import { TenantAccess } from '../tenants/tenant-access.service';

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(200).optional(),
  profileId: z.string().uuid().optional(),
  includePem: z.enum(['true', 'false']).default('false'),
});

@ApiTags('certificates')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant/certificates')
export class CertificatesController {
  constructor(
    private readonly access: TenantAccess,
    private readonly certificates: IssuedCertificateReader,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List issued certificates, newest first (keyset pagination with `cursor`)' })
  @ApiZodQuery(ListQuery)
  async list(@CurrentPrincipal() principal: Principal, @Param('tenant') tenantSlug: string, @Query(new ZodPipe(ListQuery)) query: z.output<typeof ListQuery>) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    if (query.cursor && !decodeCursor(query.cursor)) throw new AdminError('invalid', 'cursor is not one this API returned', 'cursor');
    const page = await this.certificates.list(tenant.id, { limit: query.limit, cursor: query.cursor, profileId: query.profileId });
    return {
      items: page.items.map((c) => ({
        id: c.id,
        serialNumber: c.serialHex,
        subject: c.subject,
        notBefore: c.notBefore,
        notAfter: c.notAfter,
        profileId: c.profileId,
        caId: c.caId,
        enrollmentId: c.enrollmentId,
        issuedAt: c.createdAt,
        ...(query.includePem === 'true' ? { certificatePem: certificatePem(c.certificateDer) } : {}),
      })),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  }
}
