export * from './database-module';
export * from './database-readiness';
export * from './pg-errors';
export * from './loading-cache';
export * from './sql-client';
