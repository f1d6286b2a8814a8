export * from './isolation';
export * from './fake-intune';
export * from './csr-builder';
export * from './own-nats-server';
