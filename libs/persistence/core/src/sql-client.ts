import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, QueryResultRow } from 'pg';
import type { DataSource } from 'typeorm';

/** One SQL statement with a name unique in the process (see SqlClient). */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

const names = new Set<string>();

/** Declares a statement once, at module load; a name used twice is a programming error caught at start. */
export function statement(name: string, text: string): Statement {
  if (names.has(name)) throw new Error(`SQL statement name "${name}" declared twice`);
  names.add(name);
  return { name, text: text.replace(/\s+/g, ' ').trim() };
}

/**
 * Runs the hot-path statements of the repositories as named prepared statements on the application's TypeORM pool:
 * PostgreSQL parses and plans each one once per connection instead of once per call, and no entity mapping or query
 * builder runs per call. Each statement belongs to its owner's repository (one guarded statement per method).
 */
@Injectable()
export class SqlClient {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async rows<R extends QueryResultRow>(sql: Statement, values: readonly unknown[]): Promise<R[]> {
    const result = await this.pool().query<R>({ name: sql.name, text: sql.text, values: values as unknown[] });
    return result.rows;
  }

  async one<R extends QueryResultRow>(sql: Statement, values: readonly unknown[]): Promise<R | undefined> {
    return (await this.rows<R>(sql, values))[0];
  }

  /** Rows changed by an INSERT/UPDATE/DELETE. */
  async count(sql: Statement, values: readonly unknown[]): Promise<number> {
    const result = await this.pool().query({ name: sql.name, text: sql.text, values: values as unknown[] });
    return result.rowCount ?? 0;
  }

  private pool(): Pool {
    // TypeORM's PostgresDriver keeps its pg Pool as `master` (typed any upstream).
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }
}
