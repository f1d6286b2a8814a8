export * from './ca-keystore-config';
export * from './ca-key-store';
