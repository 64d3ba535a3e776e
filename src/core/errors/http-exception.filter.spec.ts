import type { ArgumentsHost } from '@nestjs/common';
import type { Logger } from 'pino';
import { HostPaths } from '../http/host-paths';
import { HttpExceptionFilter } from './http-exception.filter';

function answer(exception: unknown): { status: number; body: any; logged: number } {
  let status = 0;
  let body: unknown;
  let logged = 0;
  const res = { headersSent: false, status: (s: number) => ((status = s), res), json: (b: unknown) => (body = b) };
  const host = { switchToHttp: () => ({ getResponse: () => res, getRequest: () => ({}) }) } as unknown as ArgumentsHost;
  const logger = { error: () => logged++, warn: () => logged++ } as unknown as Logger;
  new HttpExceptionFilter(logger, new HostPaths({ workspaceRoot: '/srv/ws', dataDir: '/srv/data' })).catch(
    exception,
    host,
  );
  return { status, body, logged };
}

describe('HttpExceptionFilter: NUL text refused by Postgres', () => {
  it('is a 400 in OpenCode shape when the driver adapter reports 22021 or 22P05', () => {
    for (const originalCode of ['22021', '22P05']) {
      const err = Object.assign(new Error('DriverAdapterError'), { cause: { kind: 'postgres', originalCode } });
      expect(answer(err)).toMatchObject({
        status: 400,
        body: { name: 'BadRequest', data: { message: expect.stringContaining('NUL') } },
        logged: 0,
      });
    }
  });

  it('is a 400 when only the message says so (a wrapped Prisma error)', () => {
    expect(
      answer(new Error('Invalid `upsert()` invocation: invalid byte sequence for encoding "UTF8": 0x00')).status,
    ).toBe(400);
    expect(answer(new Error('unsupported Unicode escape sequence')).status).toBe(400);
  });

  it('leaves other unknown errors a logged 500', () => {
    expect(answer(Object.assign(new Error('boom'), { cause: { originalCode: '42P01' } }))).toMatchObject({
      status: 500,
      logged: 1,
    });
  });
});

describe('HttpExceptionFilter: a backing service that is down', () => {
  const unavailable = {
    status: 503,
    body: { name: 'ServiceUnavailableError', data: { message: expect.any(String), code: 'unavailable' } },
  };

  it('is a 503 for ioredis giving up on a command while Redis is down', () => {
    const err = Object.assign(new Error('Reached the max retries per request limit (which is 2).'), {
      name: 'MaxRetriesPerRequestError',
    });
    expect(answer(err)).toMatchObject(unavailable);
    expect(answer(new Error('Connection is closed.'))).toMatchObject(unavailable);
  });

  it('is a 503 for Postgres shutting down, unreachable or out of connections, however Prisma wraps it', () => {
    expect(
      answer(Object.assign(new Error('DriverAdapterError'), { cause: { kind: 'postgres', originalCode: '57P01' } })),
    ).toMatchObject(unavailable);
    expect(
      answer(Object.assign(new Error('x'), { cause: { kind: 'DatabaseNotReachable', host: '127.0.0.1' } })),
    ).toMatchObject(unavailable);
    expect(answer(Object.assign(new Error('Server has closed the connection.'), { code: 'P1017' }))).toMatchObject(
      unavailable,
    );
    expect(
      answer(new Error('outer', { cause: Object.assign(new Error('inner'), { code: 'ECONNREFUSED' }) })),
    ).toMatchObject(unavailable);
    expect(answer(new Error('terminating connection due to administrator command'))).toMatchObject(unavailable);
  });

  it('keeps a SQL error that is not about the connection a 500', () => {
    expect(
      answer(Object.assign(new Error('DriverAdapterError'), { cause: { kind: 'postgres', originalCode: '42703' } }))
        .status,
    ).toBe(500);
  });
});
