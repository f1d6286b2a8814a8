import { CertificateMetrics, type RevocationReasonName } from '../metrics/certificate-metrics';
import { Body, Controller, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  BULK_REVOCATION_LIMIT,
  EnrollmentFind,
  REVOCATION_REASON_CODES,
  ReleaseCertificateHold,
  RevokeCertificates,
  type RevocationResult,
  type RevocationSelector,
  revocationReasonName,
  revocationReasonNameOf,
} from '@scep/contracts';
import { IssuedCertificateReader } from '@scep/persistence-read';
import { RpcClient } from '@scep/transport';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { AdminError } from '../common/admin-error';
import { ApiZodBody, ZodPipe } from '../common/zod-body';
import { ProfilesService } from '../profiles/profiles.service';
import { TenantAccess } from '../tenants/tenant-access.service';
import { RevocationClient } from './revocation.client';
import { normalizeSerial } from './serial-number';

const comment = z.string().max(500).optional();
const RevokeOne = z
  .object({
    /** RFC 5280 §5.3.1 reason; certificateHold is the one that can be released later. */
    reason: revocationReasonName,
    /** Why, in words: recorded with the revocation. */
    comment,
    /** Only when the tenant has this serial under more than one CA. */
    caId: z.string().uuid().optional(),
  })
  .strict();
const RevokeEnrollment = z.object({ reason: revocationReasonName, comment }).strict();
const RevokeTransaction = z
  .object({ profile: z.string().min(1).max(63), transactionId: z.string().min(1).max(256), reason: revocationReasonName, comment })
  .strict();
const ReleaseHold = z.object({ caId: z.string().uuid().optional() }).strict();
const RevokeBulk = z
  .object({
    /** Certificates of this profile (slug). */
    profile: z.string().min(1).max(63).optional(),
    /** Certificates whose subject is exactly this (RFC 4514, as the certificate list shows it). */
    subjectEquals: z.string().min(1).max(1024).optional(),
    /** Certificates whose subject contains this text. */
    subjectContains: z.string().min(1).max(256).optional(),
    reason: revocationReasonName,
    comment,
    /** true: only count what would be revoked (nothing changes). */
    dryRun: z.boolean().default(false),
    /** Required to revoke: the count the dry run showed. A different count now refuses the whole request. */
    expectedCount: z.number().int().min(1).max(BULK_REVOCATION_LIMIT).optional(),
  })
  .strict()
  .superRefine((b, ctx) => {
    if (b.profile === undefined && b.subjectEquals === undefined && b.subjectContains === undefined) {
      ctx.addIssue({ code: 'custom', message: 'select by profile, subjectEquals or subjectContains', path: ['profile'] });
    }
    if (!b.dryRun && b.expectedCount === undefined) {
      ctx.addIssue({ code: 'custom', message: 'required to revoke: the count of a dry run (dryRun: true) first', path: ['expectedCount'] });
    }
  });

const uuidParam = (field: string) => new ParseUUIDPipe({ exceptionFactory: () => new AdminError('invalid', `${field} must be a UUID`, field) });

/**
 * Revocation for operators (RFC 5280 §5.3.1): by serial, by enrollment or SCEP transaction, in bulk by profile or
 * subject after a dry-run count; certificateHold can be released, nothing else undone. The signer records each
 * revocation with who (the API key) and why, and issues the CAs' next CRLs before answering; OCSP answers change with
 * it (docs/adr/010-revocation-crl-ocsp.md). Another tenant's certificates are not found, like unknown ones.
 */
@ApiTags('revocations')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant')
export class RevocationsController {
  constructor(
    private readonly access: TenantAccess,
    private readonly profiles: ProfilesService,
    private readonly certificates: IssuedCertificateReader,
    private readonly revocations: RevocationClient,
    private readonly rpc: RpcClient,
    private readonly metrics: CertificateMetrics,
  ) {}

  @Post('certificates/:serialNumber/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke one certificate by serial (hex, e.g. 0A1B2C or 0a:1b:2c); the CRL lists it when this answers' })
  @ApiParam({ name: 'serialNumber', description: 'certificate serial in hex' })
  @ApiZodBody(RevokeOne)
  async revokeBySerial(
    @CurrentPrincipal() principal: Principal,
    @Param('tenant') tenantSlug: string,
    @Param('serialNumber') serialNumber: string,
    @Body(new ZodPipe(RevokeOne)) body: z.output<typeof RevokeOne>,
  ) {
    const serialHex = normalizeSerial(serialNumber);
    const tenant = await this.access.resolve(principal, tenantSlug);
    const result = await this.revoke(principal, tenant.id, { kind: 'serial', serialHex, ...(body.caId ? { caId: body.caId } : {}) }, body.reason, body.comment);
    return this.answer(result, { notFoundField: 'serialNumber', notFound: `certificate ${serialHex} not found` });
  }

  @Post('certificates/:serialNumber/release-hold')
  @HttpCode(200)
  @ApiOperation({ summary: 'Release a certificate from certificateHold (the only revocation that can be undone); the next CRL drops it' })
  @ApiParam({ name: 'serialNumber', description: 'certificate serial in hex' })
  @ApiZodBody(ReleaseHold)
  async releaseHold(
    @CurrentPrincipal() principal: Principal,
    @Param('tenant') tenantSlug: string,
    @Param('serialNumber') serialNumber: string,
    @Body(new ZodPipe(ReleaseHold)) body: z.output<typeof ReleaseHold>,
  ) {
    const serialHex = normalizeSerial(serialNumber);
    const tenant = await this.access.resolve(principal, tenantSlug);
    const result = await this.revocations.run(ReleaseCertificateHold, tenant.id, {
      tenantId: tenant.id,
      serialHex,
      ...(body.caId ? { caId: body.caId } : {}),
      actor: `api-key:${principal.keyId}`,
    });
    switch (result.result) {
      case 'released':
        return { serialNumber: result.serialHex, caId: result.caId, revoked: false, crls: result.crls };
      case 'not-found':
        throw new AdminError('not_found', `certificate ${serialHex} not found`, 'serialNumber');
      case 'ambiguous':
        throw new AdminError('conflict', `serial ${serialHex} exists under several CAs of the tenant (${result.caIds.join(', ')}): name one`, 'caId');
      case 'not-on-hold':
        throw new AdminError(
          'conflict',
          result.reasonCode === null ? 'the certificate is not revoked' : `the certificate is revoked (${revocationReasonNameOf(result.reasonCode)}), not on hold: only certificateHold can be released`,
          'serialNumber',
        );
    }
  }

  @Post('enrollments/:id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke the certificate issued for an enrollment (its id as GET …/enrollments shows it)' })
  @ApiZodBody(RevokeEnrollment)
  async revokeEnrollment(
    @CurrentPrincipal() principal: Principal,
    @Param('tenant') tenantSlug: string,
    @Param('id', uuidParam('id')) enrollmentId: string,
    @Body(new ZodPipe(RevokeEnrollment)) body: z.output<typeof RevokeEnrollment>,
  ) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    const result = await this.revoke(principal, tenant.id, { kind: 'enrollments', enrollmentIds: [enrollmentId] }, body.reason, body.comment);
    return this.answer(result, { notFoundField: 'id', notFound: `no certificate was issued for enrollment ${enrollmentId}` });
  }

  @Post('revocations/by-transaction')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke the certificates issued under a SCEP transactionID of a profile' })
  @ApiZodBody(RevokeTransaction)
  async revokeTransaction(@CurrentPrincipal() principal: Principal, @Param('tenant') tenantSlug: string, @Body(new ZodPipe(RevokeTransaction)) body: z.output<typeof RevokeTransaction>) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    const profile = await this.profiles.findBySlug(tenant, body.profile);
    // The transactions (the owner is the policy service): a transactionID may have been reused for a renewal.
    const { items } = await this.rpc.call(EnrollmentFind, { tenantId: tenant.id, profileId: profile.id, transactionId: body.transactionId, limit: 50 });
    const enrollmentIds = items.filter((item) => item.certificateSerial).map((item) => item.id);
    if (enrollmentIds.length === 0) throw new AdminError('not_found', 'no certificate was issued under this transactionID in this profile', 'transactionId');
    const result = await this.revoke(principal, tenant.id, { kind: 'enrollments', enrollmentIds }, body.reason, body.comment);
    return this.answer(result, { notFoundField: 'transactionId', notFound: 'no certificate was issued under this transactionID in this profile' });
  }

  @Post('revocations/bulk')
  @HttpCode(200)
  @ApiOperation({
    summary: `Revoke every unexpired, unrevoked certificate of a profile and/or subject: first {dryRun: true} for the count, then the same with expectedCount (at most ${BULK_REVOCATION_LIMIT})`,
  })
  @ApiZodBody(RevokeBulk)
  async revokeBulk(@CurrentPrincipal() principal: Principal, @Param('tenant') tenantSlug: string, @Body(new ZodPipe(RevokeBulk)) body: z.output<typeof RevokeBulk>) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    const profileId = body.profile ? (await this.profiles.findBySlug(tenant, body.profile)).id : undefined;
    const selection = { ...(profileId ? { profileId } : {}), ...(body.subjectEquals ? { subjectEquals: body.subjectEquals } : {}), ...(body.subjectContains ? { subjectContains: body.subjectContains } : {}) };
    if (body.dryRun) {
      const matched = await this.certificates.countForBulkRevocation(tenant.id, selection, BULK_REVOCATION_LIMIT);
      return {
        dryRun: true,
        matched: Math.min(matched, BULK_REVOCATION_LIMIT),
        ...(matched > BULK_REVOCATION_LIMIT ? { tooMany: true, limit: BULK_REVOCATION_LIMIT } : {}),
        reason: body.reason,
      };
    }
    const result = await this.revoke(principal, tenant.id, { kind: 'bulk', ...selection, expectedCount: body.expectedCount as number }, body.reason, body.comment);
    return this.answer(result, { notFoundField: 'profile', notFound: 'nothing to revoke' });
  }

  private revoke(principal: Principal, tenantId: string, selector: RevocationSelector, reason: keyof typeof REVOCATION_REASON_CODES, comment?: string) {
    return this.revocations.run(RevokeCertificates, tenantId, {
      tenantId,
      selector,
      reasonCode: REVOCATION_REASON_CODES[reason],
      ...(comment ? { comment } : {}),
      actor: `api-key:${principal.keyId}`,
    });
  }

  private answer(result: RevocationResult, notFound: { notFoundField: string; notFound: string }) {
    switch (result.result) {
      case 'revoked':
        // scep_certificates_revoked_total: once per certificate this call actually revoked (a repeat changes nothing).
        for (const c of result.certificates) if (c.changed) this.metrics.revoked(revocationReasonNameOf(c.reasonCode) as RevocationReasonName);
        return {
          revoked: result.certificates.length,
          changed: result.certificates.filter((c) => c.changed).length,
          certificates: result.certificates.map((c) => ({ serialNumber: c.serialHex, caId: c.caId, revokedAt: c.revokedAt, reason: revocationReasonNameOf(c.reasonCode), changed: c.changed })),
          crls: result.crls,
        };
      case 'not-found':
        throw new AdminError('not_found', notFound.notFound, notFound.notFoundField);
      case 'ambiguous':
        throw new AdminError('conflict', `the serial exists under several CAs of the tenant (${result.caIds.join(', ')}): name one`, 'caId');
      case 'already-revoked': {
        const [first] = result.certificates;
        const detail = first ? `${first.serialHex} was revoked on ${first.revokedAt} (${revocationReasonNameOf(first.reasonCode)})` : 'revoked before';
        throw new AdminError('conflict', `${detail}: a revocation cannot be changed or undone (only certificateHold can become permanent or be released)`, 'reason');
      }
      case 'count-changed':
        throw new AdminError('conflict', `the selection now matches ${result.matched} certificates, not the expected count: run the dry run again`, 'expectedCount');
    }
  }
}
