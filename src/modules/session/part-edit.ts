// PATCH /session/{id}/message/{mid}/part/{pid} sends a whole part, as OpenCode's clients do. Only what those
// clients edit may change (the text of a text part, its `synthetic`/`ignored` flags); everything else on a
// part is written by the server (a step's `snapshot`, a patch's `hash`/`files`, tokens, cost, times, tool
// state) and reaches git's argv or the usage ledger later, so a differing value is refused with a 400.
import { isDeepStrictEqual } from 'node:util';
import { BadRequestError } from '../../core/errors/domain-error';
import type { PartInfo, PartType } from './session.types';

const IDENTITY = new Set(['id', 'messageID', 'sessionID', 'type']);

const EDITABLE: Partial<Record<PartType, Record<string, (value: unknown) => boolean>>> = {
  text: {
    text: (value) => typeof value === 'string',
    synthetic: (value) => value === undefined || typeof value === 'boolean',
    ignored: (value) => value === undefined || typeof value === 'boolean',
  },
};

/**
 * The stored part with the client's edits applied. Fields the body leaves out keep their stored value;
 * a server-owned field sent unchanged is accepted (clients echo the part they read).
 */
export function applyClientEdit(existing: PartInfo, body: Record<string, unknown>): PartInfo {
  const editable = EDITABLE[existing.type] ?? {};
  const stored = existing as unknown as Record<string, unknown>;
  const next: Record<string, unknown> = { ...stored };
  for (const [field, value] of Object.entries(body)) {
    if (IDENTITY.has(field)) continue;
    const valid = editable[field];
    if (valid) {
      if (!valid(value))
        throw new BadRequestError(`Part field "${field}" has the wrong type`, { field }, 'part_field_invalid');
      if (value === undefined) delete next[field];
      else next[field] = value;
      continue;
    }
    if (!isDeepStrictEqual(value, stored[field])) {
      throw new BadRequestError(
        `Part field "${field}" is set by the server and cannot be changed`,
        { field, partType: existing.type },
        'part_field_read_only',
      );
    }
  }
  return next as unknown as PartInfo;
}
