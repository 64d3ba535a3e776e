import { createHash, randomBytes } from 'node:crypto';

// OpenCode's id scheme: `<prefix>_<12 hex><14 base62>`. The hex is 48 bits of (ms * 4096 + counter), so
// ids sort by creation time; descending ids (sessions) store the bitwise NOT so the newest sorts first.
const PREFIXES = {
  session: 'ses',
  message: 'msg',
  part: 'prt',
  permission: 'per',
  question: 'que',
  event: 'evt',
  pty: 'pty',
  tool: 'tool',
  user: 'usr',
  tenant: 'ten',
  key: 'key',
  project: 'prj',
  usage: 'use',
  credential: 'crd',
  mcp: 'mcp',
  agent: 'agt',
  class: 'cls',
  audit: 'aud',
  budget: 'bdg',
  job: 'job',
  share: 'shr',
  assignment: 'asg',
  collection: 'col',
  note: 'nte',
  allowance: 'alw',
  reservation: 'rsv',
} as const;

export type IdKind = keyof typeof PREFIXES;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
let lastMs = 0;
let counter = 0;

// Random bytes are drawn from a 4 KiB pool (each byte used once): one call into the CSPRNG per ~290 ids instead of
// one per id, which showed in profiles because an event id is minted for every streamed delta.
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolAt = 0;

function randomBase62(length: number): string {
  if (poolAt + length > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[pool[poolAt++] % 62];
  return out;
}

function timePart(descending: boolean, at = Date.now()): string {
  if (at !== lastMs) {
    lastMs = at;
    counter = 0;
  }
  counter++;
  let value = BigInt(at) * 0x1000n + BigInt(counter);
  if (descending) value = ~value & 0xffffffffffffn;
  return value.toString(16).padStart(12, '0').slice(-12);
}

export function newId(kind: IdKind, opts: { descending?: boolean; at?: number } = {}): string {
  const descending = opts.descending ?? kind === 'session';
  return `${PREFIXES[kind]}_${timePart(descending, opts.at)}${randomBase62(14)}`;
}

const ID_PATTERN = /^[a-z]{2,5}_[0-9a-f]{12}[0-9A-Za-z]{14}$/;

/**
 * An id of OpenCode's form derived from `seed` alone: the same seed always gives the same id. For rows whose id
 * is shown before they exist (a project a read names, created by the first write); it carries no creation time.
 */
export function stableId(kind: IdKind, seed: string): string {
  const digest = createHash('sha256').update(seed).digest();
  let tail = '';
  for (let i = 0; i < 14; i++) tail += BASE62[digest[6 + i] % 62];
  return `${PREFIXES[kind]}_${digest.subarray(0, 6).toString('hex')}${tail}`;
}

/** True when `value` looks like an id of that kind; malformed ids are answered 404/400, never 500. */
export function isId(kind: IdKind, value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.startsWith(PREFIXES[kind] + '_') &&
    value.length <= 64 &&
    /^[A-Za-z0-9_-]+$/.test(value)
  );
}

/** Strict form check for ids we generated ourselves. */
export function isCanonicalId(kind: IdKind, value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(PREFIXES[kind] + '_') && ID_PATTERN.test(value);
}

export function idPrefix(kind: IdKind): string {
  return PREFIXES[kind];
}

/** Milliseconds encoded in an ascending id (undefined for descending or foreign ids). */
export function idTime(id: string): number | undefined {
  const hex = id.split('_')[1]?.slice(0, 12);
  if (!hex || !/^[0-9a-f]{12}$/.test(hex)) return undefined;
  return Number(BigInt('0x' + hex) / 0x1000n);
}
