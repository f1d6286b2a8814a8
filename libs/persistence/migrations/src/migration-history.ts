import { InitialSchema1764230400000 } from './migrations/1764230400000-initial-schema';

/** The one ordered, append-only migration history of the platform. */
export const migrationHistory = [InitialSchema1764230400000];
