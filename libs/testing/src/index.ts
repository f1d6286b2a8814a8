export * from './isolation';
export * from './fake-intune';
