// Imported first by failure-rate-limiter.int-spec.ts: a Redis URL where nothing listens (port 1 on loopback).
import { randomBytes } from 'node:crypto';

process.env.CHALLENGE_PEPPER = randomBytes(32).toString('base64');
process.env.REDIS_URL = 'redis://127.0.0.1:1/0';
process.env.REDIS_PREFIX = `dead${process.pid}`;
process.env.LOG_LEVEL = 'silent';
