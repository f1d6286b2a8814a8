export * from './proc-stat';
export * from './proc-find';
export * from './cpu-meter';
