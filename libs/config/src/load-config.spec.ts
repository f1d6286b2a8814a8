import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

  describe('<NAME>_FILE (mounted secrets)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'config-file-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reads the value from the file, ignoring one trailing newline', () => {
      const file = join(dir, 'kek');
      writeFileSync(file, `${key}\n`);
      expect(loadConfig(schema, { KEK_FILE: file }).KEK).toEqual(Buffer.from(key, 'base64'));
    });

    it('refuses both forms at once, and a file it cannot read, naming the variable without the value or path content', () => {
      const file = join(dir, 'kek2');
      writeFileSync(file, key);
      expect(() => loadConfig(schema, { KEK: key, KEK_FILE: file })).toThrow(/KEK: set either KEK or KEK_FILE, not both/);
      expect(() => loadConfig(schema, { KEK_FILE: join(dir, 'missing') })).toThrow(/KEK_FILE: cannot read a value from that file/);
      const wrong = join(dir, 'wrong');
      writeFileSync(wrong, 'not-a-key-value');
      let message = '';
      try {
        loadConfig(schema, { KEK_FILE: wrong });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain('KEK');
      expect(message).not.toContain('not-a-key-value');
    });
  });
});
