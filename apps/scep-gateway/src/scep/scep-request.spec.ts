import { operationOf, rawQueryOf } from './scep-request';

describe('operationOf', () => {
  it.each([
    ['operation=GetCACaps', 'GetCACaps'],
    ['operation=getcacert&message=CAIdentifier', 'GetCACert'],
    ['message=x&operation=PKIOperation', 'PKIOperation'],
    ['OPERATION=GetNextCACert', 'GetNextCACert'],
    ['operation=GetCAChain', 'unknown'],
    ['operation=%ZZ', 'unknown'],
    ['message=abc', undefined],
    ['', undefined],
  ])('%s -> %s', (query, expected) => {
    expect(operationOf(query)).toBe(expected);
  });

  it('keeps the raw query untouched', () => {
    expect(rawQueryOf('/scep/a/b/pkiclient.exe?operation=PKIOperation&message=MII+ab/c%3D')).toBe('operation=PKIOperation&message=MII+ab/c%3D');
    expect(rawQueryOf('/scep/a/b')).toBe('');
  });
});
