import { createHmac } from 'node:crypto';
import { webhookSignature } from './webhook-signature';

describe('webhookSignature', () => {
  it('is sha256=<hex HMAC-SHA256(secret, timestamp.body)>', () => {
    const expected = createHmac('sha256', 'secret-key-0123456789').update('1700000000.{"a":1}').digest('hex');
    expect(webhookSignature('secret-key-0123456789', '1700000000', '{"a":1}')).toBe(`sha256=${expected}`);
  });

  it('changes with the timestamp, the body and the secret', () => {
    const base = webhookSignature('k'.repeat(16), '1', 'b');
    expect(webhookSignature('k'.repeat(16), '2', 'b')).not.toBe(base);
    expect(webhookSignature('k'.repeat(16), '1', 'c')).not.toBe(base);
    expect(webhookSignature('j'.repeat(16), '1', 'b')).not.toBe(base);
  });
});
