import type { SnapshotFileDiff } from '../../snapshot/snapshot.types';
import type { MessageError, MessageInfo, MessageWithParts, PartInfo, SessionInfo } from '../session.types';

/** What anyone holding the link sees of a session: no server paths, rules or private metadata. */
export type PublicSession = Omit<SessionInfo, 'directory' | 'path' | 'permission' | 'metadata' | 'revert'>;

export function publicSession(info: SessionInfo): PublicSession {
  const { directory: _d, path: _p, permission: _r, metadata: _m, revert: _v, ...rest } = info;
  return rest;
}

/**
 * How much of a conversation a public link shows. By default only its text: the students' prompts and the
 * assistant's answers. A school that opts in (`Tenant.settings.shareDetails`) also shows tool calls with their
 * input and output, reasoning, attachments, file diffs and error messages. Never shown either way: the server's
 * paths, the system prompt a request carried, the tools a message was allowed.
 */
export interface ShareExposure {
  details: boolean;
}

// The assistant's working directory, relative to the project (OpenCode's shape needs the field).
const PROJECT_PATH = { cwd: '.', root: '.' };
const HIDDEN_ERROR = 'The assistant stopped with an error.';

export function publicMessageInfo(info: MessageInfo, exposure: ShareExposure): MessageInfo {
  if (info.role === 'user') {
    const { system: _s, tools: _t, ...rest } = info;
    return exposure.details ? rest : { ...rest, ...(rest.summary ? { summary: { ...rest.summary, diffs: [] } } : {}) };
  }
  const error = info.error && !exposure.details ? hiddenError(info.error) : info.error;
  return { ...info, path: PROJECT_PATH, ...(error ? { error } : {}) };
}

export function hiddenError(error: MessageError): MessageError {
  return { name: error.name, data: { message: HIDDEN_ERROR } };
}

/** The part as a viewer sees it, or null when it is not part of the conversation's text. */
export function publicPart(part: PartInfo, exposure: ShareExposure): PartInfo | null {
  if (part.type === 'text') {
    if (part.synthetic || part.ignored) return exposure.details ? part : null;
    const { metadata: _m, ...rest } = part;
    return rest;
  }
  if (!exposure.details) return null;
  // Snapshot ids and patch hashes are the server's bookkeeping, not the conversation.
  if (part.type === 'step-start' || part.type === 'snapshot' || part.type === 'patch') return null;
  if (part.type === 'step-finish') return { ...part, snapshot: undefined };
  return part;
}

export function publicMessage(m: MessageWithParts, exposure: ShareExposure): MessageWithParts {
  return {
    info: publicMessageInfo(m.info, exposure),
    parts: m.parts.map((p) => publicPart(p, exposure)).filter((p): p is PartInfo => p !== null),
  };
}

export function publicDiff(diff: SnapshotFileDiff[] | null, exposure: ShareExposure): SnapshotFileDiff[] {
  return exposure.details ? (diff ?? []) : [];
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

interface SharedEvent {
  type: string;
  properties: Record<string, unknown>;
}

/**
 * One viewer's filter over the session's events. Deltas name only a part id, so the filter remembers which parts
 * it has shown (a streamed part is announced by `message.part.updated` before its first delta).
 */
export class ShareEventFilter {
  private readonly shown = new Set<string>();

  constructor(private readonly exposure: ShareExposure) {}

  /** The event as the viewer sees it, or null to leave it out. */
  view(event: SharedEvent): SharedEvent | null {
    if (!SHARED_EVENT_TYPES.has(event.type)) return null;
    const p = event.properties;
    switch (event.type) {
      case 'session.updated':
        return { ...event, properties: { ...p, info: publicSession(p.info as SessionInfo) } };
      case 'message.updated':
        return { ...event, properties: { ...p, info: publicMessageInfo(p.info as MessageInfo, this.exposure) } };
      case 'message.part.updated': {
        const part = publicPart(p.part as PartInfo, this.exposure);
        if (!part) return null;
        this.shown.add(part.id);
        return { ...event, properties: { ...p, part } };
      }
      case 'message.part.delta':
        return this.shown.has(p.partID as string) ? event : null;
      case 'session.error':
        return this.exposure.details || !p.error
          ? event
          : { ...event, properties: { ...p, error: hiddenError(p.error as MessageError) } };
      case 'session.diff':
        return this.exposure.details ? event : { ...event, properties: { ...p, diff: [] } };
      case 'todo.updated':
        return this.exposure.details ? event : null;
      default:
        return event;
    }
  }
}

// 16 random bytes in base64url: 22 characters, 128 bits.
export const SHARE_ID = /^[A-Za-z0-9_-]{22}$/;
