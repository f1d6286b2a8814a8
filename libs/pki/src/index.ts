export * from './errors';
export * from './der';
export * from './certificate-info';
export * from './name';
export * from './csr';
export * from './keys';
export * from './key-wrap';
export * from './certificate-builder';
