export * from './database-module';
export * from './pg-errors';
export * from './loading-cache';
export * from './sql-client';
