import pg from 'pg';

/**
 * The SQL condition "the process that holds `owner` is alive": its liveness connection holds the session-level
 * advisory lock keyed by the owner string (LivenessLock). Postgres drops a session's locks the moment its
 * connection ends, so a killed process's lock is gone at once, while a live but slow one keeps it however late its
 * renewals are. `ownerSql` is the SQL expression of the owner string.
 */
export function ownerAliveSql(ownerSql: string): string {
  const key = `hashtextextended(${ownerSql}, 0)`;
  return `EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND l.classid = ((${key} >> 32) & 4294967295)::oid AND l.objid = (${key} & 4294967295)::oid)`;
}

const RETRY_MS = 1_000;

/**
 * Holds, on a connection of its own, an advisory lock keyed by this process's owner string for as long as the
 * process lives, so other processes can tell a dead owner from a slow one (ownerAliveSql). A lost connection (the
 * database restarted) is opened again and the lock taken again; meanwhile this process looks dead to the others,
 * as it does today when its renewals stop.
 */
export class LivenessLock {
  private client?: pg.Client;
  private stopped = false;
  private retry?: NodeJS.Timeout;
  /** Reported once per outage, not at every retry. */
  private failing = false;

  constructor(
    private readonly connection: { url: string; options?: string },
    private readonly owner: string,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Takes the lock; resolves once it is held (or once the first attempt failed: it is retried in the background). */
  async start(): Promise<void> {
    if (this.stopped || this.client) return;
    const client = new pg.Client({
      connectionString: this.connection.url,
      ...(this.connection.options ? { options: this.connection.options } : {}),
      application_name: 'opencode-api liveness',
    });
    this.client = client;
    const lost = (err?: unknown) => {
      if (this.client !== client) return;
      this.client = undefined;
      void client.end().catch(() => undefined);
      if (err && !this.failing) this.onError(err);
      if (err) this.failing = true;
      if (!this.stopped) {
        this.retry = setTimeout(() => void this.start(), RETRY_MS);
        this.retry.unref();
      }
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [this.owner]);
      this.failing = false;
    } catch (err) {
      lost(err);
    }
  }

  /** Gives the lock up (the connection ends): from now on this process's expired leases may be taken over. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }
}
