import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, Repository } from 'typeorm';
import { IntuneConnectionEntity } from './intune-connection.entity';

/** A tenant's Intune connection (one per tenant). */
@Injectable()
export class IntuneConnectionRepository {
  private readonly repository: Repository<IntuneConnectionEntity>;

  constructor(@InjectDataSource() dataSource: DataSource) {
    this.repository = dataSource.getRepository(IntuneConnectionEntity);
  }

  find(tenantId: string): Promise<IntuneConnectionEntity | null> {
    return this.repository.findOneBy({ tenantId });
  }

  async save(row: IntuneConnectionEntity): Promise<void> {
    await this.repository.upsert(row, { conflictPaths: ['tenantId'], skipUpdateIfNoValuesChanged: false });
  }
}
