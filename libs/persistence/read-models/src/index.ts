export * from './ca-generations';
export * from './scep-endpoint.reader';
export * from './profile-settings.reader';
export * from './certificate-authority.reader';
export * from './issued-certificate.reader';
export * from './crl.reader';
export * from './challenge-mode.reader';
export * from './certificate-expiry.reader';
