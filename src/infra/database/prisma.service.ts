import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { Prisma, PrismaClient } from '../../generated/prisma/client';
import { settlesWithin } from '../../core/lifecycle/settles-within';
import { DATABASE_RUNTIME, type DatabaseRuntime } from './database.runtime';
import { LivenessLock } from './liveness-lock';
import { PreparedStatements } from './prepared-statements';

// Prisma stores DateTime as `timestamp(3)` holding UTC; pg would read it as local time.
const TIMESTAMP_OID = 1114;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === TIMESTAMP_OID
      ? (v: string) => new Date(`${v.replace(' ', 'T')}Z`)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

// The Prisma codes the error filter already maps, for the same Postgres conditions on the raw path.
const PRISMA_CODE: Record<string, string> = { '23505': 'P2002', '23503': 'P2003', '22001': 'P2000' };

/** How long an interactive transaction may wait for a connection, and run. */
export const TRANSACTION_OPTIONS = { maxWait: 30_000, timeout: 30_000 };

/** The Prisma client. Only repositories use it (STYLE rule 3). */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  private readonly pool: pg.Pool;
  /** Every open connection, so that a shutdown can end the ones a stuck query still holds. */
  private readonly clients = new Set<pg.PoolClient>();
  private readonly prepared: PreparedStatements;

  constructor(@Inject(DATABASE_RUNTIME) private readonly runtime: DatabaseRuntime) {
    const pool = new pg.Pool({
      connectionString: runtime.url,
      max: runtime.embedded ? 4 : 10,
      types,
      ...(runtime.options ? { options: runtime.options } : {}),
    });
    // A transaction waits for a connection as long as any other query may (Prisma's own default is 2 s, after
    // which a busy machine's burst of key or budget writes failed as 500s); both bounds stay finite.
    super({ adapter: new PrismaPg(pool, { disposeExternalPool: true }), transactionOptions: TRANSACTION_OPTIONS });
    this.pool = pool;
    this.prepared = new PreparedStatements(runtime.preparedStatements ?? false);
    pool.on('connect', (c) => this.clients.add(c));
    pool.on('remove', (c) => this.clients.delete(c));
    // An idle connection the server ends (a restart, pg_terminate_backend, a shutdown in progress) is dropped from
    // the pool and replaced on the next query; without a listener, pg would throw it as an uncaught error.
    pool.on('error', () => undefined);
  }

  /**
   * Plain SQL on the client's own pool, for the few statements every prompt runs many times: a Prisma call
   * costs milliseconds of CPU in its query compiler, this a tenth of that. Dates come back as UTC `Date`s;
   * pass dates as ISO strings. Constraint errors surface with the Prisma codes the error filter maps.
   */
  async sql<T = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<{ rows: T[]; count: number }> {
    const query = this.prepared.query(text, values);
    try {
      const r = await this.pool.query(query).catch((err: unknown) => {
        if (this.prepared.retryUnnamed(query, err)) return this.pool.query(text, values);
        throw err;
      });
      return { rows: r.rows as T[], count: r.rowCount ?? 0 };
    } catch (err) {
      const e = err as Error & { code?: string };
      const code = e.code ? PRISMA_CODE[e.code] : undefined;
      if (code)
        throw new Prisma.PrismaClientKnownRequestError(e.message, {
          code,
          clientVersion: Prisma.prismaVersion.client,
          meta: { originalCode: e.code },
        });
      throw Object.assign(e, { cause: e.cause ?? { kind: 'postgres', originalCode: e.code } });
    }
  }

  /** A lock held on a connection of its own while this process lives (liveness-lock.ts); not yet taken. */
  livenessLock(owner: string, onError?: (err: unknown) => void): LivenessLock {
    return new LivenessLock(this.runtime, owner, onError);
  }

  /** For the metrics: connections open and idle, and queries waiting for one. */
  poolStats(): { total: number; idle: number; waiting: number } {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  /**
   * pg's Pool.end() waits for every checked-out connection; a query stuck on a lock would hold shutdown for ever.
   * After a bounded wait the remaining connections are ended (their queries fail) and the pool closes.
   */
  async onModuleDestroy(): Promise<void> {
    const disconnect = this.$disconnect();
    if (await settlesWithin(disconnect, 5000)) return;
    for (const c of this.clients) void c.end().catch(() => undefined);
    await settlesWithin(disconnect, 2000);
  }
}
