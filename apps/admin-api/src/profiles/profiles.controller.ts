import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { PolicyDryRun, PolicyGetRules, PolicyRules, PolicySetRules, challengeMode, contentCipherName, webhookSettings } from '@scep/contracts';
import { PkiError, pemToDer } from '@scep/pki';
import { ChallengeModeReader } from '@scep/persistence-read';
import type { ProfileEntity } from '@scep/persistence-tenancy';
import { RpcClient } from '@scep/transport';
import { adminConfig } from '../admin-config';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { AdminError, fieldsRelativeTo } from '../common/admin-error';
import { ApiZodBody, ZodPipe } from '../common/zod-body';
import { TenantAccess } from '../tenants/tenant-access.service';
import { slug } from '../tenants/tenants.controller';
import { ProfilesService } from './profiles.service';

/** What a new profile accepts: AES and 3DES, no single DES (docs/adr/008-abuse-and-client-addresses.md). */
const DEFAULT_CONTENT_CIPHERS = ['aes-128-cbc', 'aes-192-cbc', 'aes-256-cbc', 'des-ede3-cbc'] as const;
const contentCiphers = z
  .array(contentCipherName)
  .min(1)
  .max(5)
  .refine((list) => new Set(list).size === list.length, 'each cipher once');

/**
 * Windows clients put the challenge in a PrintableString: only these characters survive (scep-protocol.md §11).
 */
const printable = /^[A-Za-z0-9 '()+,\-./:=?]+$/;

const CreateProfile = z
  .object({
    slug,
    caId: z.string().uuid(),
    /** static (default): `challenge` is the shared secret. Other modes are configured with PUT .../challenge. */
    challengeMode: challengeMode.default('static'),
    challenge: z.string().min(16, 'at least 16 characters').max(255).regex(printable, "PrintableString characters only (A-Z a-z 0-9 space ' ( ) + , - . / : = ?)").optional(),
    /** webhook mode: where and how to ask. */
    webhook: webhookSettings.optional(),
    validityDays: z.number().int().min(1).max(3650).default(365),
    syncWaitMs: z.number().int().min(0).max(60000).default(5000),
    /** Content ciphers accepted in requests. Single DES (RFC 8894 §2.9: MUST NOT) only when listed explicitly. */
    contentCiphers: contentCiphers.default([...DEFAULT_CONTENT_CIPHERS]),
  })
  .superRefine((p, ctx) => {
    if (p.challengeMode === 'static' && !p.challenge) ctx.addIssue({ code: 'custom', message: 'required for a static-challenge profile', path: ['challenge'] });
    if (p.challengeMode === 'webhook' && !p.webhook) ctx.addIssue({ code: 'custom', message: 'required for a webhook profile', path: ['webhook'] });
  });

const DryRun = z.object({ csrPem: z.string().min(1).max(65536) });

const UpdateProfile = z
  .object({
    contentCiphers: contentCiphers.optional(),
    validityDays: z.number().int().min(1).max(3650).optional(),
    syncWaitMs: z.number().int().min(0).max(60000).optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: 'nothing to change' });

const Rollover = z.object({
  caId: z.string().uuid(),
  /** When the profile starts issuing from the next CA; until then GetNextCACert announces it. */
  switchAt: z.iso.datetime({ offset: true }).transform((s) => new Date(s)),
});

@ApiTags('profiles')
@ApiBearerAuth()
@Controller('v1/tenants/:tenant/profiles')
export class ProfilesController {
  private readonly baseUrl = adminConfig().SCEP_PUBLIC_BASE_URL.replace(/\/+$/, '');

  constructor(
    private readonly access: TenantAccess,
    private readonly profiles: ProfilesService,
    private readonly rpc: RpcClient,
    private readonly modes: ChallengeModeReader,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a SCEP profile (endpoint) with its RA and static challenge' })
  @ApiZodBody(CreateProfile)
  async create(@CurrentPrincipal() principal: Principal, @Param('tenant') tenantSlug: string, @Body(new ZodPipe(CreateProfile)) body: z.output<typeof CreateProfile>) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    return this.view(tenant.slug, await this.profiles.create(tenant, body), body.challengeMode);
  }

  @Get()
  @ApiOperation({ summary: "List the tenant's profiles" })
  async list(@CurrentPrincipal() principal: Principal, @Param('tenant') tenantSlug: string) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    const profiles = await this.profiles.list(tenant.id);
    const modes = await this.modes.modes(tenant.id, profiles.map((p) => p.id));
    return { items: profiles.map((p) => this.view(tenant.slug, p, modes.get(p.id) ?? 'static')) };
  }

  @Patch(':profile')
  @ApiOperation({ summary: 'Change a profile: accepted content ciphers, certificate validity, sync-wait' })
  @ApiZodBody(UpdateProfile)
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('tenant') tenantSlug: string,
    @Param('profile') profileSlug: string,
    @Body(new ZodPipe(UpdateProfile)) body: z.output<typeof UpdateProfile>,
  ) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    const profile = await this.profiles.update(tenant, profileSlug, body);
    return this.view(tenant.slug, profile, (await this.modes.modes(tenant.id, [profile.id])).get(profile.id) ?? 'static');
  }

  @Post(':profile/dry-run')
  @HttpCode(200)
  @ApiOperation({ summary: 'The decision a CSR would get under the profile rules in force, with each rule\'s result; records and issues nothing' })
  @ApiZodBody(DryRun)
  async dryRun(
    @CurrentPrincipal() principal: Principal,
    @Param('tenant') tenantSlug: string,
    @Param('profile') profileSlug: string,
    @Body(new ZodPipe(DryRun)) body: z.output<typeof DryRun>,
  ) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    const profile = await this.profiles.findBySlug(tenant, profileSlug);
    let csrDer: Buffer;
    try {
      csrDer = pemToDer(body.csrPem, 'CERTIFICATE REQUEST');
    } catch (error) {
      if (error instanceof PkiError) throw new AdminError('invalid', 'not a PEM "CERTIFICATE REQUEST"', 'csrPem');
      throw error;
    }
    return this.rpc.call(PolicyDryRun, { tenantId: tenant.id, profileId: profile.id, csrDer: csrDer.toString('base64') });
  }

  @Post(':profile/rollover')
  @HttpCode(200)
  @ApiOperation({ summary: 'Announce the next CA of a profile (GetNextCACert) and when the profile switches to it' })
  @ApiZodBody(Rollover)
  async rollover(
    @CurrentPrincipal() principal: Principal,
    @Param('tenant') tenantSlug: string,
    @Param('profile') profileSlug: string,
    @Body(new ZodPipe(Rollover)) body: z.output<typeof Rollover>,
  ) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    const profile = await this.profiles.scheduleRollover(tenant, profileSlug, body.caId, body.switchAt);
    return this.view(tenant.slug, profile, (await this.modes.modes(tenant.id, [profile.id])).get(profile.id) ?? 'static');
  }

  @Get(':profile/policy')
  @ApiOperation({ summary: "The profile's policy rules in force (version 0 = defaults)" })
  async getPolicy(@CurrentPrincipal() principal: Principal, @Param('tenant') tenantSlug: string, @Param('profile') profileSlug: string) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    const profile = await this.profiles.findBySlug(tenant, profileSlug);
    return this.rpc.call(PolicyGetRules, { tenantId: tenant.id, profileId: profile.id });
  }

  @Put(':profile/policy')
  @ApiOperation({ summary: 'Store a new version of the profile\'s policy rules (validated; every version is kept)' })
  @ApiZodBody(PolicyRules)
  async setPolicy(
    @CurrentPrincipal() principal: Principal,
    @Param('tenant') tenantSlug: string,
    @Param('profile') profileSlug: string,
    @Body(new ZodPipe(PolicyRules)) rules: z.output<typeof PolicyRules>,
  ) {
    const tenant = await this.access.resolve(principal, tenantSlug);
    const profile = await this.profiles.findBySlug(tenant, profileSlug);
    // The body is the request's `rules`: a refused pattern is named as the body names it (subject.template.0.pattern).
    return this.rpc.call(PolicySetRules, { tenantId: tenant.id, profileId: profile.id, rules, actor: `api-key:${principal.keyId}` }).catch(fieldsRelativeTo('rules'));
  }

  /** A profile as operators see it; its challenge mode is the challenge service's (one place). */
  private view(tenantSlug: string, p: ProfileEntity, challengeMode: string) {
    return {
      id: p.id,
      slug: p.slug,
      status: p.status,
      caId: p.caId,
      challengeMode,
      validityDays: p.validityDays,
      syncWaitMs: p.syncWaitMs,
      contentCiphers: p.contentCiphers,
      scepUrl: `${this.baseUrl}/scep/${tenantSlug}/${p.slug}/pkiclient.exe`,
      ...(p.nextCaId ? { nextCaId: p.nextCaId, caSwitchAt: p.caSwitchAt } : {}),
      ...(p.previousCaId ? { previousCaId: p.previousCaId } : {}),
      createdAt: p.createdAt,
    };
  }
}
