import { isAllowedOutboundUrl } from './challenge-errors';

describe('isAllowedOutboundUrl', () => {
  it.each([
    ['https://hooks.example.com/scep', true],
    ['http://127.0.0.1:8080/hook', true],
    ['http://localhost/hook', true],
    ['http://[::1]:9000/hook', true],
    ['http://hooks.example.com/scep', false],
    ['http://10.0.0.1/hook', false],
    ['https://user:pass@hooks.example.com/', false],
    ['ftp://127.0.0.1/x', false],
    ['not a url', false],
  ])('%s -> %s', (url, allowed) => {
    expect(isAllowedOutboundUrl(url)).toBe(allowed);
  });
});
