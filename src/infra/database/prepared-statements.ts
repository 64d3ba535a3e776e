import { createHash } from 'node:crypto';
import type { QueryConfig } from 'pg';

/** At most this many statement texts get a name; texts beyond them go unnamed (the set never grows without end). */
const MAX_NAMED = 256;
/** The table changed under a cached plan's result (a migration ran while this process did): that text goes unnamed. */
const PLAN_CHANGED = '0A000';
/** A pooler in transaction mode in between (the name is unknown to, or taken on, the connection it lands on). */
const POOLER = new Set(['26000', '42P05']);

/**
 * Names for the server's own statements (PrismaService.sql), so a connection parses and plans each once instead of at
 * every call: the prompt's two large statements spent about half of their Postgres time (0.5 of 0.95 ms) in parse
 * and bind. A text that fails as named is sent again unnamed, once, and is never named again.
 */
export class PreparedStatements {
  private readonly names = new Map<string, string | null>();

  constructor(private enabled: boolean) {}

  query(text: string, values: unknown[]): QueryConfig {
    if (!this.enabled) return { text, values };
    let name = this.names.get(text);
    if (name === undefined && this.names.size < MAX_NAMED)
      this.names.set(text, (name = `oc_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`));
    return name ? { name, text, values } : { text, values };
  }

  /** Whether a failed named statement should be sent again without its name (and its text, or all, stop naming). */
  retryUnnamed(query: QueryConfig, err: unknown): boolean {
    const code = (err as { code?: string }).code;
    if (!query.name || !code) return false;
    if (code === PLAN_CHANGED) this.names.set(query.text, null);
    else if (POOLER.has(code)) this.enabled = false;
    else return false;
    return true;
  }
}
