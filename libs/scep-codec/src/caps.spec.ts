import { renderCapabilities } from './caps';

describe('renderCapabilities (scep-protocol.md §3)', () => {
  it('writes one keyword per line with LF separators and a trailing LF', () => {
    expect(renderCapabilities(['POSTPKIOperation', 'AES', 'DES3', 'SHA-256', 'SCEPStandard'])).toBe('POSTPKIOperation\nAES\nDES3\nSHA-256\nSCEPStandard\n');
  });

  it('keeps order, drops duplicates, never writes CR', () => {
    const body = renderCapabilities(['Renewal', 'SHA-1', 'Renewal', 'SHA-512']);
    expect(body).toBe('Renewal\nSHA-1\nSHA-512\n');
    expect(body).not.toContain('\r');
  });

  it('renders no capabilities as an empty body', () => {
    expect(renderCapabilities([])).toBe('');
  });
});
