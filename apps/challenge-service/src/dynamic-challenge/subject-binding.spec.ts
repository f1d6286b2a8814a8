import { bindingMismatch, sanKey } from './subject-binding';

describe('bindingMismatch', () => {
  const csr = {
    subject: 'CN=laptop-42,O=Acme',
    subjectAltNames: [
      { type: 'dns', value: 'Laptop-42.corp.example.com' },
      { type: 'email', value: 'Ada@Example.COM' },
      { type: 'ip', value: '2001:db8:0:0:0:0:0:1' },
      { type: 'uri', value: 'urn:device:42' },
    ],
  };

  it('accepts an unbound challenge and a matching binding', () => {
    expect(bindingMismatch({ expectedSubject: null, expectedSans: null }, csr)).toBeUndefined();
    expect(
      bindingMismatch(
        {
          expectedSubject: 'CN=laptop-42,O=Acme',
          expectedSans: [
            { type: 'dns', value: 'laptop-42.corp.example.com.' },
            { type: 'email', value: 'Ada@example.com' },
            { type: 'ip', value: '2001:db8::1' },
            { type: 'uri', value: 'urn:device:42' },
          ],
        },
        csr,
      ),
    ).toBeUndefined();
  });

  it('binds SANs exactly: a CSR with one more SAN than the challenge names is refused', () => {
    const named = [
      { type: 'dns', value: 'laptop-42.corp.example.com' },
      { type: 'email', value: 'Ada@example.com' },
      { type: 'ip', value: '2001:db8::1' },
    ];
    expect(bindingMismatch({ expectedSubject: null, expectedSans: named }, csr)).toBe('san-mismatch');
    expect(bindingMismatch({ expectedSubject: null, expectedSans: named }, { ...csr, subjectAltNames: csr.subjectAltNames.slice(0, 3) })).toBeUndefined();
  });

  it('compares subjects attribute by attribute, whatever the RDN order, values exact', () => {
    expect(bindingMismatch({ expectedSubject: 'O=Acme,CN=laptop-42', expectedSans: null }, csr)).toBeUndefined();
    expect(bindingMismatch({ expectedSubject: 'CN=laptop-42', expectedSans: null }, csr)).toBe('subject-mismatch');
    expect(bindingMismatch({ expectedSubject: 'CN=Laptop-42,O=Acme', expectedSans: null }, csr)).toBe('subject-mismatch');
    expect(bindingMismatch({ expectedSubject: 'CN=laptop-42,O=Acme,OU=x', expectedSans: null }, csr)).toBe('subject-mismatch');
  });

  it('refuses another subject, a missing SAN, or a SAN of another type', () => {
    expect(bindingMismatch({ expectedSubject: 'CN=laptop-43,O=Acme', expectedSans: null }, csr)).toBe('subject-mismatch');
    expect(bindingMismatch({ expectedSubject: null, expectedSans: [{ type: 'dns', value: 'other.example.com' }] }, csr)).toBe('san-mismatch');
    expect(bindingMismatch({ expectedSubject: null, expectedSans: [{ type: 'uri', value: 'Laptop-42.corp.example.com' }] }, csr)).toBe('san-mismatch');
    expect(bindingMismatch({ expectedSubject: null, expectedSans: [{ type: 'email', value: 'ada@example.com' }] }, csr)).toBe('san-mismatch');
  });

  it('compares the mailbox part of an e-mail exactly but its domain without case', () => {
    expect(sanKey({ type: 'email', value: 'Ada@EXAMPLE.com' })).toBe('email:Ada@example.com');
  });
});
