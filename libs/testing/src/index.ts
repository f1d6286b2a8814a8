export * from './isolation';
export * from './fake-intune';
export * from './csr-builder';
export * from './test-pki';
export * from './own-nats-server';
