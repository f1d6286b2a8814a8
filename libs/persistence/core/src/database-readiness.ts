import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Readiness } from '@scep/telemetry';

/** Readiness of the app's PostgreSQL: `SELECT 1` on its own pool (docs/operations/service-interfaces.md, /readyz). */
@Injectable()
export class DatabaseReadiness implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly readiness: Readiness,
  ) {}

  onModuleInit(): void {
    this.readiness.register('postgres', () => this.dataSource.query('SELECT 1'));
  }
}
