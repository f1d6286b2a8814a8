import type { KeyObject } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { KeyWrapAad } from '@scep/contracts';
import { exportPrivateKeyPkcs8, importPrivateKeyPkcs8, unwrapSecret, wrapSecret } from '@scep/pki';
import { LoadingCache } from '@scep/persistence-core';
import { CaKeyEntity } from '@scep/persistence-issuance';
import { type CaKeystoreConfig, loadCaKeystoreConfig } from './ca-keystore-config';

/** Raised when a CA key is absent or cannot be unwrapped (wrong KEK, tampered row). Carries no key material. */
export class CaKeyUnavailableError extends Error {
  constructor(readonly caId: string) {
    super(`CA key ${caId} unavailable`);
    this.name = 'CaKeyUnavailableError';
  }
}

/**
 * Custody of CA private keys: wrapped with AES-256-GCM under the signer's CA KEK at rest, unwrapped once per
 * process into a KeyObject (parsing a PEM per signature costs 3x) and kept only in this process's memory.
 * A PKCS#11 backend can replace this class behind the same two methods.
 */
@Injectable()
export class CaKeyStore {
  private readonly config: CaKeystoreConfig = loadCaKeystoreConfig();
  private readonly cache = new LoadingCache<KeyObject>({ maxEntries: 10_000 });

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Wraps and stores a new CA key inside the caller's transaction. */
  async store(manager: EntityManager, tenantId: string, caId: string, privateKey: KeyObject): Promise<void> {
    const wrapped = wrapSecret(this.config.SIGNER_CA_KEK, exportPrivateKeyPkcs8(privateKey), KeyWrapAad.caKey(tenantId, caId));
    await manager.insert(CaKeyEntity, { caId, tenantId, kekId: this.config.SIGNER_CA_KEK_ID, wrappedKey: wrapped });
    this.cache.set(cacheKey(tenantId, caId), privateKey);
  }

  /** The CA's private key, unwrapped once and cached. */
  load(tenantId: string, caId: string): Promise<KeyObject> {
    return this.cache.get(cacheKey(tenantId, caId), () => this.unwrap(tenantId, caId));
  }

  private async unwrap(tenantId: string, caId: string): Promise<KeyObject> {
    const row = await this.dataSource.getRepository(CaKeyEntity).findOneBy({ tenantId, caId });
    if (!row || row.kekId !== this.config.SIGNER_CA_KEK_ID) throw new CaKeyUnavailableError(caId);
    try {
      return importPrivateKeyPkcs8(unwrapSecret(this.config.SIGNER_CA_KEK, row.wrappedKey, KeyWrapAad.caKey(tenantId, caId)));
    } catch {
      throw new CaKeyUnavailableError(caId);
    }
  }
}

function cacheKey(tenantId: string, caId: string): string {
  return `${tenantId}/${caId}`;
}
