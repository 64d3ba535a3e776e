// Fills an OpenCode session with user messages by writing its SQLite database directly (with the server
// stopped), because its API takes noReply prompts at only a few a second. Every added message is a copy of
// the newest one the API itself wrote: its `message` row, its `part` rows and the `event` rows that mention
// either (OpenCode keeps an event log beside the tables it lists from), with the ids renewed, every timestamp
// shifted forward and the prompt text changed. Nothing about the shape is invented here.
import { randomInt } from 'node:crypto';
import { spawnSync } from 'node:child_process';

type Row = Record<string, string | number | null>;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const MASK48 = (1n << 48n) - 1n;
/** OpenCode's ids are `<prefix>_` + 12 hex digits of (ms × 4096 + counter), truncated to 48 bits, + 14 random base62. */
const ID = /^([a-z]+_)([0-9a-f]{12})([0-9A-Za-z]{14})$/;

function sqlite(db: string, sql: string, json: boolean): string {
  const r = spawnSync('sqlite3', [...(json ? ['-json'] : []), '-bail', db], { input: sql, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 300_000 });
  if (r.error) throw new Error(`sqlite3 could not run (${r.error.message}); the OpenCode bulk seeding needs the sqlite3 CLI (apt-get install sqlite3)`);
  if (r.status !== 0) throw new Error(`sqlite3 failed: ${(r.stderr || r.stdout).trim().slice(0, 300)}`);
  return r.stdout;
}

const query = (db: string, sql: string): Row[] => {
  const out = sqlite(db, sql, true).trim();
  return out ? (JSON.parse(out) as Row[]) : [];
};

const quote = (v: string | number | null) => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v.replace(/'/g, "''")}'`);

/** The same id scheme with its time moved by `shiftMs` and a fresh random tail. */
function shiftedId(id: string, shiftMs: number): string {
  const m = ID.exec(id);
  if (!m) throw new Error(`unexpected OpenCode id format: ${id}`);
  const value = (BigInt(`0x${m[2]}`) + BigInt(shiftMs) * 4096n) & MASK48;
  let tail = '';
  for (let i = 0; i < 14; i++) tail += BASE62[randomInt(62)];
  return `${m[1]}${value.toString(16).padStart(12, '0')}${tail}`;
}

export interface SeedResult {
  added: number;
  /** Rows written per added message, by table. */
  perMessage: Record<string, number>;
  ms: number;
}

/**
 * Adds user messages to `sessionId` until it holds `total`, each a copy of the newest one with the text
 * `text(i)` (i counts on from the messages already there).
 */
export function seedOpencodeMessages(db: string, sessionId: string, total: number, text: (i: number) => string): SeedResult {
  const started = Date.now();
  const sid = quote(sessionId);
  const [session] = query(db, `select time_created from session where id = ${sid};`);
  if (!session) throw new Error(`session ${sessionId} is not in ${db}`);
  const [{ n: have }] = query(db, `select count(*) as n from message where session_id = ${sid};`) as { n: number }[];
  const [message] = query(db, `select * from message where session_id = ${sid} order by time_created desc, id desc limit 1;`);
  if (!message) throw new Error(`session ${sessionId} has no message to copy`);
  const parts = query(db, `select * from part where message_id = ${quote(message.id)} order by id;`);
  const ids = [message.id as string, ...parts.map((p) => p.id as string)];
  const events = query(db, `select * from event where aggregate_id = ${sid} and (${ids.map((id) => `instr(data, ${quote(id)}) > 0`).join(' or ')}) order by seq;`);
  const [sequence] = query(db, `select seq from event_sequence where aggregate_id = ${sid};`);
  const textPart = parts.map((p) => JSON.parse(p.data as string) as { type?: string; text?: string }).find((d) => d.type === 'text' && typeof d.text === 'string');
  if (!textPart?.text) throw new Error(`the newest message of ${sessionId} has no text part to copy`);
  const oldText = JSON.stringify(textPart.text).slice(1, -1);

  // Timestamps to move: anything from the message's creation on (the session's own creation time stays).
  const from = Number(message.time_created);
  const isTime = (n: number) => n >= from && n < from + 3_600_000 && n !== Number(session.time_created);
  const add = total - have;
  const statements: string[] = ['PRAGMA foreign_keys = ON;', 'BEGIN;'];
  let seq = Number(sequence?.seq ?? -1);
  let lastTime = from;
  for (let k = 1; k <= add; k++) {
    const shift = k; // 1 ms apart, in the order the API would have written them
    const idMap = new Map<string, string>([...ids, ...events.map((e) => e.id as string)].map((id) => [id, shiftedId(id, shift)]));
    const newText = JSON.stringify(text(have + k - 1)).slice(1, -1);
    const move = (v: string | number | null): string | number | null => {
      if (typeof v === 'number') return isTime(v) ? v + shift : v;
      if (typeof v !== 'string') return v;
      let s = idMap.get(v) ?? v;
      if (s.startsWith('{') || s.startsWith('[')) {
        for (const [o, n] of idMap) s = s.split(o).join(n);
        s = s.split(`"text":"${oldText}"`).join(`"text":"${newText}"`);
        s = s.replace(/(?<![0-9])1[0-9]{12}(?![0-9])/g, (d) => (isTime(Number(d)) ? String(Number(d) + shift) : d));
      }
      return s;
    };
    const insert = (table: string, row: Row, override: Row = {}) => {
      const cols = Object.keys(row);
      statements.push(`insert into ${table} (${cols.map((c) => `"${c}"`).join(', ')}) values (${cols.map((c) => quote(c in override ? override[c] : move(row[c]))).join(', ')});`);
    };
    insert('message', message);
    for (const p of parts) insert('part', p);
    for (const e of events) insert('event', e, { seq: ++seq });
    lastTime = from + shift;
  }
  if (sequence) statements.push(`update event_sequence set seq = ${seq} where aggregate_id = ${sid};`);
  statements.push(`update session set time_updated = max(time_updated, ${lastTime}) where id = ${sid};`, 'COMMIT;');
  sqlite(db, statements.join('\n'), false);
  const [{ n: now }] = query(db, `select count(*) as n from message where session_id = ${sid};`) as { n: number }[];
  if (now !== total) throw new Error(`after seeding, ${sessionId} holds ${now} messages, not ${total}`);
  return { added: add, perMessage: { message: 1, part: parts.length, event: events.length }, ms: Date.now() - started };
}
