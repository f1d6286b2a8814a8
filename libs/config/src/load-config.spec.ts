import { z } from 'zod';
import { ConfigError, loadConfig, redactConfig, secretKey32 } from './index';

const schema = z.object({
  PORT: z.coerce.number().int().default(8080),
  KEK: secretKey32(),
});

describe('loadConfig', () => {
  const key = Buffer.alloc(32, 7).toString('base64');

  it('parses, coerces and applies defaults', () => {
    const config = loadConfig(schema, { KEK: key });
    expect(config.PORT).toBe(8080);
    expect(config.KEK).toEqual(Buffer.alloc(32, 7));
  });

  it('accepts a hex key', () => {
    expect(loadConfig(schema, { KEK: 'ab'.repeat(32) }).KEK).toEqual(Buffer.alloc(32, 0xab));
  });

  it('names missing and invalid variables without echoing values', () => {
    const wrong = 'c2VjcmV0LXZhbHVl';
    let error: unknown;
    try {
      loadConfig(schema, { KEK: wrong, PORT: 'x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('KEK');
    expect(message).toContain('PORT');
    expect(message).not.toContain(wrong);
    expect(() => loadConfig(schema, {})).toThrow(/KEK: required/);
  });

  it('treats empty strings as unset', () => {
    expect(() => loadConfig(schema, { KEK: '' })).toThrow(/KEK: required/);
  });

  it('redacts secret fields', () => {
    const config = loadConfig(schema, { KEK: key });
    expect(redactConfig(schema, config)).toEqual({ PORT: 8080, KEK: '[set]' });
  });
});
