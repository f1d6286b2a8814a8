export * from './config-error';
export * from './secret';
export * from './load-config';
export * from './common';
export * from './rpc-namespace';
export * from './address-list';
