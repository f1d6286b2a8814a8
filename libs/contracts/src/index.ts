export * from './primitives';
export * from './rpc-contract';
export * from './challenge.rpc';
export * from './enrollment.rpc';
export * from './queues';
export * from './events';
export * from './key-wrap-aad';
export * from './policy-rules';
