export * from './telemetry-config';
export * from './scrubbing-span-processor';
export * from './start-telemetry';
export * from './logger';
export * from './logger-module';
export * from './trace-carrier';
export * from './service-runner';
