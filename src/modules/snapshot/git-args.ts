// Values that reach git's argv from stored rows (a step's `snapshot`, a patch's `hash`/`files`) or from
// requests are checked here before any process starts: an object id is hex and nothing else, a path is a
// workspace-relative name without NUL. Callers still put revisions after `--end-of-options` and paths
// after `--`, so a value that slipped through would be read as a revision or a path, never as an option.
import { SnapshotRefError } from './snapshot.errors';

/** A full SHA-1 or SHA-256 object name, lower-case hex, as git prints it. */
const OBJECT_ID = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;

export function isObjectId(value: unknown): value is string {
  return typeof value === 'string' && OBJECT_ID.test(value);
}

/** Returns `value` when it is an object id; otherwise a 400 naming the field (never the value's effect). */
export function objectId(value: unknown, field: string): string {
  if (isObjectId(value)) return value;
  throw new SnapshotRefError(field, value);
}
