import type { SessionInfo } from '../session.types';

/** What anyone holding the link sees of a session: no server paths, rules or private metadata. */
export type PublicSession = Omit<SessionInfo, 'directory' | 'permission' | 'metadata' | 'revert'>;

export function publicSession(info: SessionInfo): PublicSession {
  const { directory: _d, permission: _p, metadata: _m, revert: _r, ...rest } = info;
  return rest;
}

/** Events a read-only viewer follows; asks, questions and internal signals stay private. */
export const SHARED_EVENT_TYPES: ReadonlySet<string> = new Set([
  'session.updated',
  'session.status',
  'session.idle',
  'session.error',
  'session.diff',
  'session.compacted',
  'message.updated',
  'message.removed',
  'message.part.updated',
  'message.part.removed',
  'message.part.delta',
  'todo.updated',
]);

// 16 random bytes in base64url: 22 characters, 128 bits.
export const SHARE_ID = /^[A-Za-z0-9_-]{22}$/;
