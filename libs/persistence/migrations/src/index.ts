export * from './migration-history';
export * from './database-admin';
export * from './run-migrations';
export * from './roles';
