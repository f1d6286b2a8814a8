import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { RaCredentialEntity } from './ra-credential.entity';

/** RA credentials (owner: signer-worker): certificate and RA key wrapped under the RA KEK. */
@Injectable()
export class RaCredentialRepository {
  private readonly repository: Repository<RaCredentialEntity>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.repository = dataSource.getRepository(RaCredentialEntity);
  }

  async find(tenantId: string, id: string): Promise<RaCredentialEntity | undefined> {
    return (await this.repository.findOneBy({ tenantId, id })) ?? undefined;
  }

  async insert(row: RaCredentialEntity): Promise<void> {
    await this.repository.insert(row);
  }
}
