// Bus events: OpenCode's names and payloads (reference §3), plus routing fields the SSE filter needs.

export interface BusEvent<T extends string = string, P = Record<string, unknown>> {
  /** `evt_…`, ascending. */
  id: string;
  type: T;
  properties: P;
}

/** What travels between processes and sits in the replay window. */
export interface EventEnvelope {
  /** Replay cursor, sent as the SSE `id:` field. Ordered across all API processes. */
  seq: string;
  tenantId: string;
  /** The session the event is about, for `?sessionID=` and role filtering. */
  sessionId?: string;
  /** Owner of that session; students only see their own. */
  ownerId?: string;
  projectId?: string;
  directory?: string;
  event: BusEvent;
}

export type PublishInput = Omit<EventEnvelope, 'seq' | 'event'> & { type: string; properties: Record<string, unknown> };

export interface EventTransport {
  /**
   * Appends to the shared log and returns the cursor. Appends of one turn may be sent together at its end; `now`
   * sends this one (with those before it) at once.
   */
  append(envelope: Omit<EventEnvelope, 'seq'>, opts?: { now?: boolean }): Promise<string>;
  /** Envelopes strictly after `cursor`, oldest first (bounded by the replay window). */
  since(cursor: string, limit: number): Promise<EventEnvelope[]>;
  /** Calls `handler` for every envelope appended by any process, in order. */
  start(handler: (envelope: EventEnvelope) => void): Promise<void>;
  stop(): Promise<void>;
  /** Removes the envelopes of the replay window that match (a person's data erased); returns how many. */
  purge(match: (e: EventEnvelope) => boolean): Promise<number>;
  readonly shared: boolean;
}

/** Event type names used by this server (OpenCode's, §3). */
export const EventType = {
  ServerConnected: 'server.connected',
  ServerHeartbeat: 'server.heartbeat',
  SessionCreated: 'session.created',
  SessionUpdated: 'session.updated',
  SessionDeleted: 'session.deleted',
  SessionStatus: 'session.status',
  SessionIdle: 'session.idle',
  SessionError: 'session.error',
  SessionDiff: 'session.diff',
  SessionCompacted: 'session.compacted',
  MessageUpdated: 'message.updated',
  MessageRemoved: 'message.removed',
  PartUpdated: 'message.part.updated',
  PartRemoved: 'message.part.removed',
  PartDelta: 'message.part.delta',
  PermissionAsked: 'permission.asked',
  PermissionReplied: 'permission.replied',
  QuestionAsked: 'question.asked',
  QuestionReplied: 'question.replied',
  QuestionRejected: 'question.rejected',
  TodoUpdated: 'todo.updated',
  FileEdited: 'file.edited',
  CommandExecuted: 'command.executed',
  McpToolsChanged: 'mcp.tools.changed',
  ProjectUpdated: 'project.updated',
  PtyCreated: 'pty.created',
  PtyUpdated: 'pty.updated',
  PtyExited: 'pty.exited',
  PtyDeleted: 'pty.deleted',
  LspUpdated: 'lsp.updated',
  LspClientDiagnostics: 'lsp.client.diagnostics',
} as const;
