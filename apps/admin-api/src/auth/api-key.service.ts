import { randomUUID, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { ApiKeyEntity } from '@scep/persistence-tenancy';
import { adminConfig } from '../admin-config';
import { generateApiKey, hashApiKeySecret, parseApiKey } from './api-key-format';
import type { Principal } from './principal';

@Injectable()
export class ApiKeyService implements OnModuleInit {
  private readonly logger = new Logger(ApiKeyService.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Ensures the configured bootstrap key exists (idempotent; rotating it replaces the stored hash). */
  async onModuleInit(): Promise<void> {
    const bootstrap = adminConfig().ADMIN_BOOTSTRAP_API_KEY;
    if (!bootstrap) return;
    const parsed = parseApiKey(bootstrap);
    if (!parsed) throw new Error('ADMIN_BOOTSTRAP_API_KEY is malformed');
    await this.dataSource.query(
      `INSERT INTO tenancy.api_keys (id, tenant_id, name, key_id, secret_hash)
       VALUES ($1, NULL, 'bootstrap', $2, $3)
       ON CONFLICT (key_id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash, revoked_at = NULL
       WHERE tenancy.api_keys.tenant_id IS NULL`,
      [randomUUID(), parsed.keyId, hashApiKeySecret(parsed.secret)],
    );
    this.logger.log({ keyId: parsed.keyId }, 'bootstrap API key ensured');
  }

  async authenticate(presented: string): Promise<Principal | undefined> {
    const parsed = parseApiKey(presented);
    if (!parsed) return undefined;
    const row = await this.dataSource.getRepository(ApiKeyEntity).findOneBy({ keyId: parsed.keyId });
    if (!row || row.revokedAt) return undefined;
    const presentedHash = hashApiKeySecret(parsed.secret);
    if (row.secretHash.length !== presentedHash.length || !timingSafeEqual(row.secretHash, presentedHash)) return undefined;
    return { keyId: row.keyId, tenantId: row.tenantId };
  }

  /** Creates a key; the plaintext is returned once and never stored. */
  async create(tenantId: string | null, name: string): Promise<{ key: string; keyId: string; createdAt: Date }> {
    const generated = generateApiKey();
    const row = Object.assign(new ApiKeyEntity(), {
      id: randomUUID(),
      tenantId,
      name,
      keyId: generated.keyId,
      secretHash: generated.secretHash,
      revokedAt: null,
    });
    await this.dataSource.getRepository(ApiKeyEntity).insert(row);
    return { key: generated.key, keyId: generated.keyId, createdAt: row.createdAt ?? new Date() };
  }
}
