import { isDependencyUnavailable } from './dependency-unavailable';
import { RpcCallError, RpcUnavailableError } from './rpc-errors';

const withCode = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDependencyUnavailable', () => {
  it.each([
    ['an RPC that timed out or found no responder', new RpcUnavailableError('enrollment.submit')],
    ['a refused TCP connection', withCode('ECONNREFUSED')],
    ['a reset connection', withCode('ECONNRESET')],
    ['PostgreSQL shutting down (57P01)', withCode('57P01', 'terminating connection due to administrator command')],
    ['a PostgreSQL connection exception (08006)', withCode('08006')],
    ['too many connections (53300)', withCode('53300')],
    ['a statement timeout (57014)', withCode('57014')],
    ["node-postgres's pool timing out", new Error('timeout exceeded when trying to connect')],
    ['a connection that ended mid-query', new Error('Connection terminated unexpectedly')],
    ['a client-side query timeout', new Error('Query read timeout')],
    ['ioredis giving up on a command', Object.assign(new Error('Reached the max retries per request limit (which is 1).'), { name: 'MaxRetriesPerRequestError' })],
    ["TypeORM's QueryFailedError around a pg connection error", Object.assign(new Error('query failed'), { driverError: withCode('57P03') })],
    ['an error whose cause is a refused connection', new Error('outer', { cause: withCode('ECONNREFUSED') })],
  ])('yes: %s', (_name, error) => {
    expect(isDependencyUnavailable(error)).toBe(true);
  });

  it.each([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a unique violation (23505)', withCode('23505', 'duplicate key value violates unique constraint')],
    ['a syntax error (42601)', withCode('42601')],
    ['a refused RPC with a code', new RpcCallError('challenge.configure', 'invalid', 'INVALID_REQUEST', 'webhook.url')],
    ['nothing at all', undefined],
    ['a string', 'ECONNREFUSED'],
  ])('no: %s', (_name, error) => {
    expect(isDependencyUnavailable(error)).toBe(false);
  });
});
