export * from './isolation';
export * from './fake-intune';
export * from './csr-builder';
export * from './test-pki';
