export * from './transport-config';
export * from './nats-options';
export * from './nats-connection';
export * from './rpc-errors';
export * from './rpc-client';
export * from './rpc-server';
export * from './rpc-handler.decorator';
export * from './tenancy-events';
