export * from './queues-config';
export * from './redis-connection';
export * from './queue-module';
export * from './jobs';
export * from './redis-readiness';
