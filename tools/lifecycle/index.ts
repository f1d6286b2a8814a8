export * from './cleanup';
export * from './free-port';
export * from './tracked-process';
export * from './wait';
export * from './pg-session';
