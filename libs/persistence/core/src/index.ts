export * from './database-module';
export * from './pg-errors';
