import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { EnrollmentDecide, EnrollmentFind } from '@scep/contracts';
import { RpcClient } from '@scep/transport';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { AdminError } from '../common/admin-error';
import { ApiZodBody, ApiZodQuery, ZodPipe } from '../common/zod-body';
import { ProfilesService } from '../profiles/profiles.service';
import { TenantAccess } from '../tenants/tenant-access.service';

const FindQuery = z.object({
  profile: z.string().max(63).optional(),
  status: z.enum(['queued', 'pending', 'issued', 'rejected', 'failed', 'expired']).optional(),
  transactionId: z.string().min(1).max(256).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
const DecideBody = z.object({ reason: z.string().max(200).optional() });

/**
 * Enrollment transactions for operators: the pending queue of manual-approval profiles, verdicts, and the decision
 * record of any transaction ("why was this device refused?": every rule's result, who decided, when).
 */
@ApiTags('enrollments')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant/enrollments')
export class EnrollmentsController {
  constructor(
    private readonly access: TenantAccess,
    private readonly profiles: ProfilesService,
    private readonly rpc: RpcClient,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Transactions, newest first; filter by profile, status (e.g. pending) or transactionId' })
  @ApiZodQuery(FindQuery)
  async find(@CurrentPrincipal() principal: Principal, @Param('tenant') tenantSlug: string, @Query(new ZodPipe(FindQuery)) query: z.output<typeof FindQuery>) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    const profileId = query.profile ? (await this.profiles.findBySlug(tenant, query.profile)).id : undefined;
    return this.rpc.call(EnrollmentFind, { tenantId: tenant.id, profileId, status: query.status, transactionId: query.transactionId, limit: query.limit });
  }

  @Post(':id/approve')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve a pending request: it is signed, and the device gets it at its next poll' })
  @ApiZodBody(DecideBody)
  approve(
    @CurrentPrincipal() principal: Principal,
    @Param('tenant') tenantSlug: string,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => new AdminError('invalid', 'id must be a UUID', 'id') })) id: string,
    @Body(new ZodPipe(DecideBody)) body: z.output<typeof DecideBody>,
  ) {
    return this.decide(principal, tenantSlug, id, 'approve', body.reason);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @ApiOperation({ summary: 'Reject a pending request: the device gets FAILURE at its next poll' })
  @ApiZodBody(DecideBody)
  reject(
    @CurrentPrincipal() principal: Principal,
    @Param('tenant') tenantSlug: string,
    @Param('id', new ParseUUIDPipe({ exceptionFactory: () => new AdminError('invalid', 'id must be a UUID', 'id') })) id: string,
    @Body(new ZodPipe(DecideBody)) body: z.output<typeof DecideBody>,
  ) {
    return this.decide(principal, tenantSlug, id, 'reject', body.reason);
  }

  private async decide(principal: Principal, tenantSlug: string, enrollmentId: string, verdict: 'approve' | 'reject', reason?: string) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    const result = await this.rpc.call(EnrollmentDecide, { tenantId: tenant.id, enrollmentId, verdict, actor: `api-key:${principal.keyId}`, reason });
    switch (result.result) {
      case 'decided':
        return result.enrollment;
      case 'not-found':
        throw new AdminError('not_found', `enrollment '${enrollmentId}' not found`, 'id');
      case 'not-pending':
        throw new AdminError('conflict', `enrollment is ${result.status}, not pending`, 'id');
    }
  }
}
