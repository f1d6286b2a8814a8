import { z } from 'zod';
import { ConfigError } from './config-error';
import { secretFields } from './secret';

/** The only place that reads the process environment (lint forbids process.env elsewhere). */
export function processEnvironment(): Readonly<Record<string, string | undefined>> {
  return process.env;
}

/**
 * Validates `env` against an object schema whose keys are environment variable names.
 * Throws ConfigError listing every problem by variable name, without values.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env = processEnvironment()): z.infer<S> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const raw = env[key];
    input[key] = raw === '' ? undefined : raw;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const variable = issue.path.join('.') || '(root)';
      return input[variable] === undefined ? `${variable}: required (${issue.message})` : `${variable}: ${issue.message}`;
    });
    throw new ConfigError(problems);
  }
  return result.data;
}

/** A copy of the config that is safe to log: secret fields replaced by "[set]" / "[unset]". */
export function redactConfig<S extends z.ZodObject>(schema: S, config: z.infer<S>): Record<string, unknown> {
  const safe: Record<string, unknown> = {};
  for (const [key, fieldSchema] of Object.entries(schema.shape)) {
    const value = (config as Record<string, unknown>)[key];
    safe[key] = secretFields.has(fieldSchema as z.ZodType) ? (value === undefined ? '[unset]' : '[set]') : value;
  }
  return safe;
}
