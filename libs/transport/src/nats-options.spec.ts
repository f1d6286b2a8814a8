import { ConfigError, loadConfig, redactConfig } from '@scep/config';
import { natsConnectionOptions } from './nats-options';
import { transportEnv } from './transport-config';

const config = (env: Record<string, string>) => loadConfig(transportEnv, env);

describe('NATS identity of a service', () => {
  it('connects without credentials and with the shared inbox prefix when NATS_USER is unset (local development)', () => {
    const options = natsConnectionOptions('scep', config({}));
    expect(options.user).toBeUndefined();
    expect(options.pass).toBeUndefined();
    expect(options.inboxPrefix).toBeUndefined();
  });

  it('authenticates as NATS_USER and takes replies on inboxes named after it', () => {
    const options = natsConnectionOptions('scep', config({ NATS_USER: 'scep-gateway', NATS_PASSWORD: 'pw-0123456789abcdef' }));
    expect(options).toMatchObject({ user: 'scep-gateway', pass: 'pw-0123456789abcdef', inboxPrefix: '_INBOX_scep-gateway' });
  });

  it('masks the password wherever the configuration is logged', () => {
    const loaded = config({ NATS_USER: 'scep-gateway', NATS_PASSWORD: 'pw-0123456789abcdef' });
    expect(redactConfig(transportEnv, loaded)).toMatchObject({ NATS_USER: 'scep-gateway', NATS_PASSWORD: '[set]' });
  });

  it('wants both or neither, and names the missing one without echoing the other', () => {
    expect(() => config({ NATS_USER: 'scep-gateway' })).toThrow(/NATS_PASSWORD/);
    let message = '';
    try {
      config({ NATS_PASSWORD: 'pw-0123456789abcdef' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/NATS_USER/);
    expect(message).not.toContain('pw-0123456789abcdef');
  });

  it('refuses a user name that cannot name an inbox subject', () => {
    expect(() => config({ NATS_USER: 'scep.gateway', NATS_PASSWORD: 'x' })).toThrow(/NATS_USER/);
    expect(() => config({ NATS_USER: 'a>', NATS_PASSWORD: 'x' })).toThrow(/NATS_USER/);
  });
});
