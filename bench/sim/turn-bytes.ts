// Bytes and rows per turn, read from the real rows a bench run left in its database (docs/scaling.md quotes it).
// `npx tsx bench/sim/turn-bytes.ts postgresql://postgres@127.0.0.1:5432/<bench db> [--replicate 200] [--out FILE]`
// A small bench database is mostly empty pages; --replicate N copies each table's real rows N times (fresh ids) into a
// temporary table with the same indexes (`LIKE ... INCLUDING ALL`) and reads bytes on disk per row there instead.
// A turn is one user message and what answered it. Per table: rows per turn, the rows' own bytes
// (pg_column_size of the row, after TOAST compression) and the table's bytes on disk with its indexes and TOAST.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { Client } from 'pg';

// The tables a prompt writes to; the rest (schools, users, keys, settings) do not grow with use.
const PER_TURN = ['Message', 'Part', 'UsageRecord', 'AuditLog', 'Todo', 'PermissionRequest', 'QuestionRequest'];

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { out: { type: 'string' }, replicate: { type: 'string', default: '0' } } });
  const url = positionals[0];
  if (!url) throw new Error('usage: turn-bytes.ts <database url> [--out file]');
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    const q = async <T>(sql: string): Promise<T[]> => (await db.query(sql)).rows as T[];
    const [{ turns, sessions }] = await q<{ turns: string; sessions: string }>(
      `select count(*) as turns, count(distinct "sessionId") as sessions from "Message" where role = 'user'`,
    );
    const nTurns = Number(turns);
    if (!nTurns) throw new Error('no user messages in this database');
    const tables = [];
    for (const table of PER_TURN) {
      const [row] = await q<{ rows: string; row_bytes: string | null; total: string; indexes: string; toast: string }>(
        `select count(*) as rows, sum(pg_column_size(t.*)) as row_bytes,
                pg_total_relation_size('"${table}"') as total, pg_indexes_size('"${table}"') as indexes,
                coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0) as toast
           from "${table}" t, pg_class c where c.oid = '"${table}"'::regclass group by c.reltoastrelid`,
      );
      const rows = Number(row?.rows ?? 0);
      if (!rows) continue;
      const replicate = Number(values.replicate);
      let diskPerRow = Number(row.total) / rows;
      if (replicate > 0) {
        await db.query(`create temporary table "copy" (like "${table}" including all)`);
        await db.query(
          `insert into "copy" select ${await columnsWithFreshId(db, table)} from "${table}" t, generate_series(1, ${replicate}) g`,
        );
        await db.query('analyze "copy"');
        const [c] = await q<{ n: string; total: string }>(`select count(*) as n, pg_total_relation_size('"copy"') as total from "copy"`);
        diskPerRow = Number(c.total) / Number(c.n);
        await db.query('drop table "copy"');
      }
      tables.push({
        table,
        rows,
        rowsPerTurn: rows / nTurns,
        rowBytesPerTurn: Number(row.row_bytes) / nTurns,
        diskBytesPerTurn: (diskPerRow * rows) / nTurns,
        indexBytesPerRow: Number(row.indexes) / rows,
        toastBytes: Number(row.toast),
      });
    }
    const parts = await q<{ type: string; n: string; bytes: string; text_chars: string | null }>(
      `select type, count(*) as n, sum(pg_column_size(p.*)) as bytes, sum(length(p.data->>'text')) as text_chars
         from "Part" p group by type order by 2 desc`,
    );
    const roles = await q<{ role: string; n: string; bytes: string }>(
      `select role, count(*) as n, sum(pg_column_size(m.*)) as bytes from "Message" m group by role`,
    );
    const out = {
      measuredAt: new Date().toISOString(),
      replicatedForDiskBytes: Number(values.replicate),
      database: url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@'),
      turns: nTurns,
      sessions: Number(sessions),
      rowsPerTurn: tables.reduce((s, t) => s + t.rowsPerTurn, 0),
      rowBytesPerTurn: tables.reduce((s, t) => s + t.rowBytesPerTurn, 0),
      diskBytesPerTurn: tables.reduce((s, t) => s + t.diskBytesPerTurn, 0),
      tables,
      partsByType: parts.map((p) => ({
        type: p.type,
        rows: Number(p.n),
        bytesPerRow: Number(p.bytes) / Number(p.n),
        textCharsPerRow: p.text_chars === null ? null : Number(p.text_chars) / Number(p.n),
      })),
      messagesByRole: roles.map((r) => ({ role: r.role, rows: Number(r.n), bytesPerRow: Number(r.bytes) / Number(r.n) })),
    };
    const json = JSON.stringify(out, null, 2);
    if (values.out) fs.writeFileSync(values.out, `${json}\n`);
    process.stdout.write(`${json}\n`);
  } finally {
    await db.end();
  }
}

/** The table's columns for an INSERT ... SELECT, the id made unique per copy (`<id>_<g>`). */
async function columnsWithFreshId(db: Client, table: string): Promise<string> {
  const cols = (
    await db.query(`select column_name from information_schema.columns where table_name = $1 order by ordinal_position`, [table])
  ).rows.map((r: { column_name: string }) => r.column_name);
  return cols.map((c) => (c === 'id' ? `t.id || '_' || g` : `t."${c}"`)).join(', ');
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
