import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { ChallengeConfigure, ChallengeList, ChallengeMint, ChallengeSetIntuneConnection, ChallengeSetStatic } from '@scep/contracts';
import { RpcClient, TenancyEvents } from '@scep/transport';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { AdminError } from '../common/admin-error';
import { ApiZodBody, ApiZodQuery, ZodPipe } from '../common/zod-body';
import { ProfilesService } from '../profiles/profiles.service';
import { TenantAccess } from '../tenants/tenant-access.service';

/** Windows clients put the challenge in a PrintableString: only these characters survive (scep-protocol.md §11). */
const printable = /^[A-Za-z0-9 '()+,\-./:=?]+$/;

const ConfigureBody = ChallengeConfigure.request.omit({ tenantId: true, profileId: true });
const StaticBody = ChallengeSetStatic.request
  .omit({ tenantId: true, profileId: true })
  .extend({ challenge: z.string().min(16, 'at least 16 characters').max(255).regex(printable, "PrintableString characters only (A-Z a-z 0-9 space ' ( ) + , - . / : = ?)") });
const MintBody = ChallengeMint.request.omit({ tenantId: true, profileId: true, actor: true });
const ListQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) });
const IntuneBody = ChallengeSetIntuneConnection.request.omit({ tenantId: true });

/**
 * Challenges of a profile (scep-protocol.md §12, §13): the mode and its settings, the static secret (rotated with an
 * overlap), one-time challenges minted by MDM integrations (Jamf, custom), and a tenant's Intune connection.
 * Secrets are passed through to the challenge service, which keeps only hashes or wrapped values.
 */
@ApiTags('challenges')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant')
export class ChallengesController {
  constructor(
    private readonly access: TenantAccess,
    private readonly profiles: ProfilesService,
    private readonly rpc: RpcClient,
    private readonly events: TenancyEvents,
  ) {}

  @Put('profiles/:profile/challenge')
  @ApiOperation({ summary: "Set a profile's challenge mode: static, dynamic (one-time), webhook or intune" })
  @ApiZodBody(ConfigureBody)
  async configure(
    @CurrentPrincipal() principal: Principal,
    @Param('tenant') tenantSlug: string,
    @Param('profile') profileSlug: string,
    @Body(new ZodPipe(ConfigureBody)) body: z.output<typeof ConfigureBody>,
  ) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    const profile = await this.profiles.findBySlug(tenant, profileSlug);
    if (body.mode === 'webhook' && !body.webhook) throw new AdminError('invalid', 'webhook mode needs webhook settings', 'webhook');
    const result = await this.rpc.call(ChallengeConfigure, { ...body, tenantId: tenant.id, profileId: profile.id });
    await this.events.publish({ tenantId: tenant.id, profileId: profile.id });
    return result;
  }

  @Put('profiles/:profile/challenge/static')
  @ApiOperation({ summary: 'Rotate the static challenge; the previous one keeps working for overlapSeconds' })
  @ApiZodBody(StaticBody)
  async rotateStatic(
    @CurrentPrincipal() principal: Principal,
    @Param('tenant') tenantSlug: string,
    @Param('profile') profileSlug: string,
    @Body(new ZodPipe(StaticBody)) body: z.output<typeof StaticBody>,
  ) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    const profile = await this.profiles.findBySlug(tenant, profileSlug);
    return this.rpc.call(ChallengeSetStatic, { ...body, tenantId: tenant.id, profileId: profile.id });
  }

  @Post('profiles/:profile/challenges')
  @HttpCode(201)
  @ApiOperation({ summary: 'Mint a one-time challenge (dynamic profiles); the value is shown once' })
  @ApiZodBody(MintBody)
  async mint(
    @CurrentPrincipal() principal: Principal,
    @Param('tenant') tenantSlug: string,
    @Param('profile') profileSlug: string,
    @Body(new ZodPipe(MintBody)) body: z.output<typeof MintBody>,
  ) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    const profile = await this.profiles.findBySlug(tenant, profileSlug);
    const minted = await this.rpc.call(ChallengeMint, { ...body, tenantId: tenant.id, profileId: profile.id, actor: `api-key:${principal.keyId}` });
    if (minted.result === 'not-dynamic') throw new AdminError('conflict', `profile '${profileSlug}' does not use dynamic challenges`, 'mode');
    return { id: minted.id, challenge: minted.challenge, expiresAt: minted.expiresAt };
  }

  @Get('profiles/:profile/challenges')
  @ApiOperation({ summary: 'One-time challenges of a profile: metadata only, never the values' })
  @ApiZodQuery(ListQuery)
  async list(
    @CurrentPrincipal() principal: Principal,
    @Param('tenant') tenantSlug: string,
    @Param('profile') profileSlug: string,
    @Query(new ZodPipe(ListQuery)) query: z.output<typeof ListQuery>,
  ) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    const profile = await this.profiles.findBySlug(tenant, profileSlug);
    return this.rpc.call(ChallengeList, { tenantId: tenant.id, profileId: profile.id, limit: query.limit });
  }

  @Put('intune')
  @ApiOperation({ summary: "The tenant's Intune connection (Entra ID app with scep_challenge_provider)" })
  @ApiZodBody(IntuneBody)
  async intune(@CurrentPrincipal() principal: Principal, @Param('tenant') tenantSlug: string, @Body(new ZodPipe(IntuneBody)) body: z.output<typeof IntuneBody>) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    return this.rpc.call(ChallengeSetIntuneConnection, { ...body, tenantId: tenant.id });
  }
}
