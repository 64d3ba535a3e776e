import type { MessageInfo, MessageWithParts, PartInfo } from './session.types';

export type MessageRow = { id: string; sessionId: string; role: string; data: unknown };
export type PartRow = { id: string; sessionId: string; messageId: string; type: string; data: unknown };

/** A stored message row as OpenCode's message (its JSON, with the row's own columns). */
export function toInfo(row: MessageRow): MessageInfo {
  return { ...(row.data as object), id: row.id, sessionID: row.sessionId, role: row.role } as MessageInfo;
}

/** A stored part row as OpenCode's part. */
export function toPart(row: PartRow): PartInfo {
  return {
    ...(row.data as object),
    id: row.id,
    sessionID: row.sessionId,
    messageID: row.messageId,
    type: row.type,
  } as PartInfo;
}

/**
 * A session's whole history as two columns of one statement, each a single range scan of its table's
 * (tenant, session, id) index: "historyMessages" `[[id, role, data], …]` and "historyParts"
 * `[[id, messageId, type, data], …]`, both in id order. A parts subquery per message (the listing's LIST_SQL) scans once per
 * message: for an 80-message session that was 4–6 ms of the prompt's statement, against about 1 ms for these two.
 * The message data stays jsonb inside json_build_array, so PostgreSQL copies it out without escaping it again.
 * `tenant` and `session` are parameter positions; with `when`, both columns are NULL (and not read) unless it holds.
 */
export function historyColumns(tenant: string, session: string, when?: string): string {
  const only = (sql: string) => (when ? `CASE WHEN ${when} THEN (${sql}) END` : `(${sql})`);
  const messages = `SELECT json_agg(json_build_array(m.id, m.role, m.data) ORDER BY m.id) FROM "Message" m
    WHERE m."tenantId" = ${tenant} AND m."sessionId" = ${session}`;
  const parts = `SELECT json_agg(json_build_array(p.id, p."messageId", p.type, p.data) ORDER BY p.id) FROM "Part" p
    WHERE p."tenantId" = ${tenant} AND p."sessionId" = ${session}`;
  return `${only(messages)} AS "historyMessages", ${only(parts)} AS "historyParts"`;
}

export interface HistoryColumns {
  historyMessages?: [id: string, role: string, data: object][] | null;
  historyParts?: [id: string, messageId: string, type: string, data: object][] | null;
}

/** The two columns as the listing's messages with their parts (a part whose message is not listed is left out). */
export function toHistory(sessionId: string, cols: HistoryColumns): MessageWithParts[] {
  const byId = new Map<string, MessageWithParts>();
  const history: MessageWithParts[] = [];
  for (const [id, role, data] of cols.historyMessages ?? []) {
    const message = { info: toInfo({ id, sessionId, role, data }), parts: [] as PartInfo[] };
    byId.set(id, message);
    history.push(message);
  }
  for (const [id, messageId, type, data] of cols.historyParts ?? [])
    byId.get(messageId)?.parts.push(toPart({ id, sessionId, messageId, type, data }));
  return history;
}
