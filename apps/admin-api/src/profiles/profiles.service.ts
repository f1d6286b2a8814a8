import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ChallengeConfigure, type ChallengeMode, ChallengeSetStatic, IssueRaCredential, JobIds } from '@scep/contracts';
import { isUniqueViolation } from '@scep/persistence-core';
import { CertificateAuthorityReader } from '@scep/persistence-read';
import { ProfileEntity, type TenantEntity } from '@scep/persistence-tenancy';
import { RpcClient, TenancyEvents } from '@scep/transport';
import { AdminError } from '../common/admin-error';
import { KeyManagementClient } from '../cas/key-management.client';

export interface CreateProfileInput {
  readonly slug: string;
  readonly caId: string;
  readonly challengeMode: ChallengeMode;
  /** Static mode: the secret, forwarded to the challenge service, which stores only a keyed hash. */
  readonly challenge?: string;
  /** Webhook mode: the validator's URL, HMAC secret (stored wrapped by the challenge service) and timeout. */
  readonly webhook?: { url: string; secret: string; timeoutMs: number };
  readonly validityDays: number;
  readonly syncWaitMs: number;
  readonly contentCiphers: readonly string[];
}

export interface UpdateProfileInput {
  readonly contentCiphers?: readonly string[];
  readonly validityDays?: number;
  readonly syncWaitMs?: number;
}

/** RA credentials live as long as this or their CA, whichever ends first. */
const RA_VALIDITY_DAYS = 730;

/**
 * Creates a SCEP endpoint in steps that each other service owns: the profile row (provisioning), the RA credential
 * (signer), the static challenge (challenge service), then activation. Until it is active the gateway ignores it;
 * a failed step removes the provisioning row, so nothing half-made is ever served.
 */
@Injectable()
export class ProfilesService {
  private readonly logger = new Logger(ProfilesService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cas: CertificateAuthorityReader,
    private readonly keyManagement: KeyManagementClient,
    private readonly rpc: RpcClient,
    private readonly events: TenancyEvents,
  ) {}

  async create(tenant: TenantEntity, input: CreateProfileInput): Promise<ProfileEntity> {
    const ca = await this.cas.find(tenant.id, input.caId);
    if (!ca) throw new AdminError('invalid', `CA '${input.caId}' not found in tenant '${tenant.slug}'`, 'caId');
    const repository = this.dataSource.getRepository(ProfileEntity);
    const profile: ProfileEntity = Object.assign(new ProfileEntity(), {
      id: randomUUID(),
      tenantId: tenant.id,
      slug: input.slug,
      status: 'provisioning' as const,
      caId: ca.id,
      raCredentialId: null as string | null,
      validityDays: input.validityDays,
      syncWaitMs: input.syncWaitMs,
      contentCiphers: [...input.contentCiphers],
    } satisfies Partial<ProfileEntity>);
    try {
      await repository.insert(profile);
    } catch (error) {
      if (isUniqueViolation(error)) throw new AdminError('conflict', `profile '${input.slug}' already exists`, 'slug');
      throw error;
    }
    try {
      const raCredentialId = randomUUID();
      await this.keyManagement.run(
        IssueRaCredential,
        {
          tenantId: tenant.id,
          caId: ca.id,
          raCredentialId,
          subjectDn: `CN=${escapeRdnValue(`${tenant.slug} ${input.slug} SCEP RA`)}`,
          validityDays: RA_VALIDITY_DAYS,
        },
        JobIds.issueRaCredential(tenant.id, raCredentialId),
      );
      await this.rpc.call(ChallengeConfigure, { tenantId: tenant.id, profileId: profile.id, mode: input.challengeMode, webhook: input.webhook });
      if (input.challenge) await this.rpc.call(ChallengeSetStatic, { tenantId: tenant.id, profileId: profile.id, challenge: input.challenge });
      await repository.update({ tenantId: tenant.id, id: profile.id }, { raCredentialId, status: 'active' });
      profile.raCredentialId = raCredentialId;
      profile.status = 'active';
    } catch (error) {
      await repository.delete({ tenantId: tenant.id, id: profile.id, status: 'provisioning' });
      this.logger.warn({ tenantId: tenant.id, profile: input.slug, reason: error instanceof Error ? error.name : 'error' }, 'profile provisioning failed');
      throw error;
    }
    await this.events.publish({ tenantId: tenant.id, profileId: profile.id });
    return profile;
  }

  /**
   * CA rollover (RFC 8894 §4.7): the signer issues an RA for the next CA, the profile announces both through
   * GetNextCACert until `switchAt`, then issues from the next CA while the old pair still decrypts and verifies
   * renewals. A rollover whose switch time has passed is folded first (current -> previous, next -> current).
   */
  async scheduleRollover(tenant: TenantEntity, profileSlug: string, nextCaId: string, switchAt: Date): Promise<ProfileEntity> {
    const repository = this.dataSource.getRepository(ProfileEntity);
    const profile = await repository.findOneBy({ tenantId: tenant.id, slug: profileSlug });
    if (!profile) throw new AdminError('not_found', `profile '${profileSlug}' not found`, 'profile');
    const ca = await this.cas.find(tenant.id, nextCaId);
    if (!ca) throw new AdminError('invalid', `CA '${nextCaId}' not found in tenant '${tenant.slug}'`, 'caId');
    if (switchAt.getTime() > ca.notAfter.getTime()) throw new AdminError('invalid', 'switchAt is after the next CA expires', 'switchAt');
    if (profile.nextCaId && profile.caSwitchAt && profile.caSwitchAt.getTime() <= Date.now()) {
      Object.assign(profile, {
        previousCaId: profile.caId,
        previousRaCredentialId: profile.raCredentialId,
        caId: profile.nextCaId,
        raCredentialId: profile.nextRaCredentialId,
        nextCaId: null,
        nextRaCredentialId: null,
        caSwitchAt: null,
      });
    }
    if (nextCaId === profile.caId) throw new AdminError('invalid', 'the next CA must differ from the current one', 'caId');
    const raCredentialId = randomUUID();
    await this.keyManagement.run(
      IssueRaCredential,
      {
        tenantId: tenant.id,
        caId: nextCaId,
        raCredentialId,
        subjectDn: `CN=${escapeRdnValue(`${tenant.slug} ${profile.slug} SCEP RA`)}`,
        validityDays: RA_VALIDITY_DAYS,
      },
      JobIds.issueRaCredential(tenant.id, raCredentialId),
    );
    await repository.update(
      { tenantId: tenant.id, id: profile.id },
      {
        caId: profile.caId,
        raCredentialId: profile.raCredentialId,
        previousCaId: profile.previousCaId,
        previousRaCredentialId: profile.previousRaCredentialId,
        nextCaId,
        nextRaCredentialId: raCredentialId,
        caSwitchAt: switchAt,
      },
    );
    await this.events.publish({ tenantId: tenant.id, profileId: profile.id });
    return repository.findOneByOrFail({ tenantId: tenant.id, id: profile.id });
  }

  /** Changes endpoint settings; every replica of every service drops what it cached for the profile. */
  async update(tenant: TenantEntity, profileSlug: string, input: UpdateProfileInput): Promise<ProfileEntity> {
    const profile = await this.findBySlug(tenant, profileSlug);
    const repository = this.dataSource.getRepository(ProfileEntity);
    await repository.update(
      { tenantId: tenant.id, id: profile.id },
      {
        ...(input.contentCiphers ? { contentCiphers: [...input.contentCiphers] } : {}),
        ...(input.validityDays !== undefined ? { validityDays: input.validityDays } : {}),
        ...(input.syncWaitMs !== undefined ? { syncWaitMs: input.syncWaitMs } : {}),
      },
    );
    await this.events.publish({ tenantId: tenant.id, profileId: profile.id });
    this.logger.log({ tenantId: tenant.id, profile: profileSlug, changed: Object.keys(input) }, 'profile updated');
    return repository.findOneByOrFail({ tenantId: tenant.id, id: profile.id });
  }

  async findBySlug(tenant: TenantEntity, profileSlug: string): Promise<ProfileEntity> {
    const profile = await this.dataSource.getRepository(ProfileEntity).findOneBy({ tenantId: tenant.id, slug: profileSlug });
    if (!profile) throw new AdminError('not_found', `profile '${profileSlug}' not found`, 'profile');
    return profile;
  }

  list(tenantId: string): Promise<ProfileEntity[]> {
    return this.dataSource.getRepository(ProfileEntity).find({ where: { tenantId }, order: { createdAt: 'ASC' } });
  }
}

function escapeRdnValue(value: string): string {
  return value.replace(/([,+"\\<>;=])/g, '\\$1');
}
