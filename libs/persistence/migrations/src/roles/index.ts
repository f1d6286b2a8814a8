export * from './service-grants';
export * from './service-role-statements';
export * from './scram-verifier';
export * from './service-roles';
