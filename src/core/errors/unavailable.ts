// Errors that mean a backing service (Postgres, Redis) is down or restarting, not that the request was wrong or
// the code is broken: the filter answers them 503 so clients retry. Checked along the `cause` chain, because
// Prisma's driver adapter and BullMQ wrap the driver's error.

// Prisma: can't reach (P1001), timed out (P1002, P1008), server closed the connection (P1017), pool timeout
// (P2024), a transaction that found no connection or ran out of time in an overloaded pool (P2028), too many
// connections (P2037).
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028', 'P2037']);
// The driver adapter's kinds for the same situations.
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);
// Postgres SQLSTATEs: class 08 (connection exception), 57P01–57P03 (shutdown, crash, cannot connect now), 53300.
const PG_CODES = /^(08\w{3}|57P0[123]|53300)$/;
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTCONN']);
// ioredis gives up on a command after maxRetriesPerRequest reconnects, or refuses it on a closed connection.
const ERROR_NAMES = new Set(['MaxRetriesPerRequestError']);
const MESSAGES =
  /ECONNREFUSED|ECONNRESET|Connection terminated|Connection is closed|connect ETIMEDOUT|Can't reach database|Too many clients|the database system is (starting up|shutting down|in recovery mode)|terminating connection due to administrator command|Server has closed the connection|Reached the max retries per request limit|Stream isn't writeable/i;

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  kind?: unknown;
  originalCode?: unknown;
  message?: unknown;
  cause?: unknown;
}

export function isServiceUnavailable(error: unknown): boolean {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const x = e as ErrorLike;
    if (typeof x.name === 'string' && ERROR_NAMES.has(x.name)) return true;
    if (typeof x.code === 'string' && (PRISMA_CODES.has(x.code) || SOCKET_CODES.has(x.code) || PG_CODES.test(x.code)))
      return true;
    if (typeof x.kind === 'string' && ADAPTER_KINDS.has(x.kind)) return true;
    if (typeof x.originalCode === 'string' && PG_CODES.test(x.originalCode)) return true;
    if (typeof x.message === 'string' && MESSAGES.test(x.message)) return true;
    e = x.cause;
  }
  return typeof error === 'string' && MESSAGES.test(error);
}
