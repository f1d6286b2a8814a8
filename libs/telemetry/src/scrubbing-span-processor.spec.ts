import { scrubAttributes } from './scrubbing-span-processor';

describe('scrubAttributes', () => {
  it('removes query strings and secret-looking attributes', () => {
    const attributes: Record<string, unknown> = {
      'http.target': '/scep/t/p/pkiclient.exe?operation=PKIOperation&message=MIIabc',
      'url.full': 'http://h/scep/t/p?operation=GetCACaps',
      'url.query': 'operation=PKIOperation&message=MII',
      'http.method': 'GET',
      'scep.challenge': 'hunter2',
      'app.api_key': 'k',
      'scep.tenant': 'dev',
    };
    scrubAttributes(attributes);
    expect(attributes).toEqual({
      'http.target': '/scep/t/p/pkiclient.exe?[redacted]',
      'url.full': 'http://h/scep/t/p?[redacted]',
      'url.query': '[redacted]',
      'http.method': 'GET',
      'scep.challenge': '[redacted]',
      'app.api_key': '[redacted]',
      'scep.tenant': 'dev',
    });
  });
});
