import { Prisma } from '../../generated/prisma/client';
import { isServiceUnavailable } from './unavailable';

const prismaError = (code: string, message = 'x') =>
  new Prisma.PrismaClientKnownRequestError(message, { code, clientVersion: 'test' });

describe('isServiceUnavailable', () => {
  it.each([
    ['pool timeout', prismaError('P2024')],
    [
      'a transaction that found no connection in time',
      prismaError('P2028', 'Unable to start a transaction in the given time.'),
    ],
    ['an unreachable database', prismaError('P1001')],
    ['a Postgres shutdown, wrapped', new Error('query failed', { cause: { originalCode: '57P01' } })],
    ['a refused socket', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['Redis giving up', Object.assign(new Error('x'), { name: 'MaxRetriesPerRequestError' })],
  ])('is true for %s (answered 503, retried by clients)', (_what, error) => {
    expect(isServiceUnavailable(error)).toBe(true);
  });

  it.each([
    ['a unique violation', prismaError('P2002')],
    ['a missing row', prismaError('P2025')],
    ['a plain bug', new TypeError('cannot read properties of undefined')],
  ])('is false for %s', (_what, error) => {
    expect(isServiceUnavailable(error)).toBe(false);
  });
});
