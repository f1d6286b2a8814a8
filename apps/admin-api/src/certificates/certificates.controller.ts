import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { revocationReasonNameOf } from '@scep/contracts';
import { IssuedCertificateReader, type IssuedCertificateRecord, decodeCursor } from '@scep/persistence-read';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { AdminError } from '../common/admin-error';
import { certificatePem } from '../common/pem';
import { ApiZodQuery, ZodPipe } from '../common/zod-body';
import { normalizeSerial } from '../revocations/serial-number';
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
      items: page.items.map((c) => ({ ...view(c), ...(query.includePem === 'true' ? { certificatePem: certificatePem(c.certificateDer) } : {}) })),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  }

  @Get(':serialNumber')
  @ApiOperation({ summary: 'One certificate by serial (hex), with its revocation: when, why, by whom' })
  async get(@CurrentPrincipal() principal: Principal, @Param('tenant') tenantSlug: string, @Param('serialNumber') serialNumber: string) {
    const serialHex = normalizeSerial(serialNumber);
    const tenant = await this.access.resolve(principal, tenantSlug);
    const found = await this.certificates.findBySerialInTenant(tenant.id, serialHex);
    if (found.length === 0) throw new AdminError('not_found', `certificate ${serialHex} not found`, 'serialNumber');
    // A serial is unique per CA only: the rare serial under several CAs lists each.
    return found.length === 1 ? { ...view(found[0] as IssuedCertificateRecord), certificatePem: certificatePem((found[0] as IssuedCertificateRecord).certificateDer) } : { items: found.map(view) };
  }
}

/** A certificate as operators see it, with its revocation (RFC 5280 §5.3.1 reason by name). */
function view(c: IssuedCertificateRecord) {
  return {
    id: c.id,
    serialNumber: c.serialHex,
    subject: c.subject,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    profileId: c.profileId,
    caId: c.caId,
    enrollmentId: c.enrollmentId,
    issuedAt: c.createdAt,
    revoked: c.revokedAt !== null,
    ...(c.revokedAt
      ? {
          revocation: {
            revokedAt: c.revokedAt,
            reason: revocationReasonNameOf(c.revocationReason ?? 0),
            ...(c.revokedBy ? { revokedBy: c.revokedBy } : {}),
            ...(c.revocationComment ? { comment: c.revocationComment } : {}),
          },
        }
      : {}),
    ...(c.holdReleasedAt ? { holdReleased: { at: c.holdReleasedAt, by: c.holdReleasedBy } } : {}),
  };
}
