import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from './config-error';
import { secretFields } from './secret';

/** The only place that reads the process environment (lint forbids process.env elsewhere). */
export function processEnvironment(): Readonly<Record<string, string | undefined>> {
  return process.env;
}

/** Largest file a `<NAME>_FILE` variable may point at (a key, a URL, a password: a few hundred bytes). */
const MAX_VALUE_FILE_BYTES = 64 * 1024;

/**
 * Validates `env` against an object schema whose keys are environment variable names. Any variable may instead be
 * given as `<NAME>_FILE`, the path of a file holding the value (how Kubernetes and Docker mount secrets; one
 * trailing newline is ignored). Setting both is an error. Throws ConfigError listing every problem by variable
 * name, without values.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env = processEnvironment()): z.infer<S> {
  const input: Record<string, string | undefined> = {};
  const fileProblems: string[] = [];
  for (const key of Object.keys(schema.shape)) {
    const raw = env[key];
    const file = env[`${key}_FILE`];
    if (file !== undefined && file !== '') {
      if (raw !== undefined && raw !== '') {
        fileProblems.push(`${key}: set either ${key} or ${key}_FILE, not both`);
        continue;
      }
      try {
        const content = readFileSync(file);
        if (content.length > MAX_VALUE_FILE_BYTES) throw new Error('too large');
        input[key] = content.toString('utf8').replace(/\r?\n$/, '');
      } catch {
        fileProblems.push(`${key}_FILE: cannot read a value from that file`);
      }
      continue;
    }
    input[key] = raw === '' ? undefined : raw;
  }
  if (fileProblems.length) throw new ConfigError(fileProblems);
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
