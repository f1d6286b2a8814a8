import { derToPem, pemBlocks, pemToDer, toArrayBuffer } from './der';
import { PkiError } from './errors';

describe('der (PEM/DER conversions)', () => {
  const der = Buffer.from(Array.from({ length: 100 }, (_, i) => i));

  it('round-trips DER through PEM with 64-column lines and a trailing newline', () => {
    const pem = derToPem(der, 'CERTIFICATE');
    const lines = pem.trimEnd().split('\n');
    expect(lines[0]).toBe('-----BEGIN CERTIFICATE-----');
    expect(lines[lines.length - 1]).toBe('-----END CERTIFICATE-----');
    expect(lines.slice(1, -1).every((l) => l.length <= 64)).toBe(true);
    expect(lines[1]).toHaveLength(64);
    expect(pem.endsWith('-----\n')).toBe(true);
    expect(pemToDer(pem)).toEqual(der);
    expect(pemToDer(pem, 'CERTIFICATE')).toEqual(der);
  });

  it('finds every block, filters by label, tolerates CRLF and surrounding text', () => {
    const text = `junk\r\n${derToPem(der, 'CERTIFICATE').replace(/\n/g, '\r\n')}middle\n${derToPem(Buffer.from([1, 2, 3]), 'PRIVATE KEY')}${derToPem(Buffer.from([4]), 'CERTIFICATE')}`;
    expect(pemBlocks(text)).toHaveLength(3);
    expect(pemBlocks(text, 'CERTIFICATE')).toEqual([der, Buffer.from([4])]);
    expect(pemToDer(text, 'PRIVATE KEY')).toEqual(Buffer.from([1, 2, 3]));
  });

  it('skips RFC 1421 headers of legacy encrypted PEM', () => {
    const body = der.toString('base64');
    const pem = `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n${body}\n-----END RSA PRIVATE KEY-----\n`;
    expect(pemToDer(pem, 'RSA PRIVATE KEY')).toEqual(der);
  });

  it('throws PkiError MALFORMED_PEM when there is no (valid) block', () => {
    expect(() => pemToDer('nothing here')).toThrow(PkiError);
    expect(() => pemToDer(derToPem(der, 'CERTIFICATE'), 'CERTIFICATE REQUEST')).toThrow(expect.objectContaining({ code: 'MALFORMED_PEM' }));
    expect(pemBlocks('-----BEGIN X-----\n@@@@\n-----END X-----\n')).toEqual([]);
  });

  it('gives an ArrayBuffer with exactly the bytes of a view', () => {
    const big = Buffer.from('xxhelloxx');
    const view = big.subarray(2, 7);
    const ab = toArrayBuffer(view);
    expect(ab.byteLength).toBe(5);
    expect(Buffer.from(ab).toString()).toBe('hello');
    const whole = new Uint8Array([1, 2, 3]);
    expect(toArrayBuffer(whole)).toBe(whole.buffer);
  });
});
