// Test-only entry point (`@scep/codec/test-support`): never part of a build (tsconfig.build.json excludes it).
export * from './byte-mutator';
