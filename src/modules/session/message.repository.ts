import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infra/database/prisma.service';
import type { Prisma } from '../../generated/prisma/client';
import { ConflictError } from '../../core/errors/domain-error';
import { toSessionRow, type SessionRow } from './session.repository';
import type { MessageInfo, MessageWithParts, PartInfo } from './session.types';
import { leaseReleaseSql } from './run/lease-sql';
import {
  historyColumns,
  toHistory,
  toInfo,
  toPart,
  type HistoryColumns,
  type MessageRow,
  type PartRow,
} from './history-sql';

type ListedRow = { id: string; sessionId: string; role: string; data: object; parts: PartRow[] | null };

// Parts ride along as a JSON array, so a listing is one round trip however long the session. The subquery
// matches parts by message id and session (session ids are global), not tenant: with a tenant condition the
// planner ANDed in the tenant index and scanned every part of the tenant per message (10k messages: 4.9 s → 0.11 s).
// A whole history is read with historyColumns instead (one scan per table, not one per message).
const LIST_SQL = `SELECT m.id, m."sessionId", m.role, m.data,
  (SELECT json_agg(json_build_object('id', p.id, 'sessionId', p."sessionId", 'messageId', p."messageId", 'type', p.type, 'data', p.data) ORDER BY p.id)
     FROM "Part" p WHERE p."messageId" = m.id AND p."sessionId" = m."sessionId") AS parts
  FROM "Message" m WHERE m."tenantId" = $1 AND m."sessionId" = $2`;

// The update only touches a row of the same tenant and session: a client-chosen id never overwrites another's.
const MESSAGE_UPSERT = `INSERT INTO "Message" (id, "tenantId", "sessionId", role, data, "createdAt") VALUES ($1, $2, $3, $4, $5::jsonb, $6)
  ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data
  WHERE "Message"."tenantId" = EXCLUDED."tenantId" AND "Message"."sessionId" = EXCLUDED."sessionId"`;

/** A multi-row part upsert whose parameters are appended to `values`. */
function partUpsert(parts: PartInfo[], tenantId: string, values: unknown[]): string {
  const rows = parts.map((part) => {
    const n = values.push(
      part.id,
      tenantId,
      part.sessionID,
      part.messageID,
      part.type,
      JSON.stringify(stripPart(part)),
    );
    return `($${n - 5}, $${n - 4}, $${n - 3}, $${n - 2}, $${n - 1}, $${n}::jsonb)`;
  });
  return `INSERT INTO "Part" (id, "tenantId", "sessionId", "messageId", type, data) VALUES ${rows.join(', ')}
    ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data, type = EXCLUDED.type
    WHERE "Part"."tenantId" = EXCLUDED."tenantId" AND "Part"."sessionId" = EXCLUDED."sessionId"`;
}

function toMessageWithParts(row: ListedRow): MessageWithParts {
  return { info: toInfo(row as MessageRow), parts: (row.parts ?? []).map(toPart) };
}

function stripMessage(info: MessageInfo): Prisma.InputJsonValue {
  const { id: _id, sessionID: _s, role: _r, ...rest } = info as MessageInfo & Record<string, unknown>;
  return rest as Prisma.InputJsonValue;
}

function stripPart(part: PartInfo): Prisma.InputJsonValue {
  const { id: _id, sessionID: _s, messageID: _m, type: _t, ...rest } = part as PartInfo & Record<string, unknown>;
  return rest as Prisma.InputJsonValue;
}

type StoredRow = Record<string, unknown> &
  HistoryColumns & { storedMessage: number; storedParts: number; leaseTaken?: boolean };

/** Messages and parts are rows holding OpenCode's JSON; ids give the order. */
@Injectable()
export class MessageRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * A prompt's user message, its parts and the session's agent/model in one statement (one round trip). With
   * `lease`, the same statement takes the run lease as RunLeaseRepository.acquireWithHistory does and, when it was
   * taken, reads the history as it was before this prompt (a statement does not see its own writes): `leased`. Returns
   * null when the session is gone; ids in use by another session are a conflict.
   */
  async storePrompt(
    tenantId: string,
    info: MessageInfo,
    parts: PartInfo[],
    session: { agent: string; model: object },
    lease?: { owner: string; leaseMs: number },
  ): Promise<{ row: SessionRow; leased?: MessageWithParts[] } | null> {
    const values: unknown[] = [
      info.id,
      tenantId,
      info.sessionID,
      info.role,
      JSON.stringify(stripMessage(info)),
      new Date().toISOString(),
    ];
    const unique = [...new Map(parts.map((p) => [p.id, p])).values()];
    const partSql = unique.length ? `, p AS (${partUpsert(unique, tenantId, values)} RETURNING 1)` : '';
    let leaseSet = '';
    let leaseOut = '';
    if (lease) {
      const owner = `$${values.push(lease.owner)}`;
      const free = `("runOwner" IS NULL OR "runOwner" = ${owner})`;
      const until = `now() + ($${values.push(lease.leaseMs)} * interval '1 millisecond')`;
      leaseSet = `, "runOwner" = CASE WHEN ${free} THEN ${owner} ELSE "runOwner" END,
        "runLeaseUntil" = CASE WHEN ${free} THEN ${until} ELSE "runLeaseUntil" END`;
      leaseOut = `, s."runOwner" = ${owner} AS "leaseTaken", ${historyColumns('$2', '$3', `s."runOwner" = ${owner}`)}`;
    }
    const { rows } = await this.prisma.sql<StoredRow>(
      `WITH m AS (${MESSAGE_UPSERT} RETURNING 1)${partSql},
       s AS (UPDATE "Session" SET agent = $${values.push(session.agent)}, model = $${values.push(JSON.stringify(session.model))}::jsonb, "updatedAt" = $${values.push(new Date().toISOString())}${leaseSet}
         WHERE "tenantId" = $2 AND id = $3 RETURNING *)
       SELECT s.*, (SELECT count(*) FROM m)::int AS "storedMessage", ${unique.length ? '(SELECT count(*) FROM p)::int' : '0'} AS "storedParts"${leaseOut}
       FROM s`,
      values,
    );
    if (!rows.length) return null;
    const { storedMessage, storedParts, leaseTaken, historyMessages, historyParts, ...row } = rows[0];
    if (!storedMessage || storedParts < unique.length)
      throw new ConflictError('ConflictError', `Message or part id already in use: ${info.id}`);
    const stored = { row: toSessionRow(row as never) };
    return leaseTaken ? { ...stored, leased: toHistory(info.sessionID, { historyMessages, historyParts }) } : stored;
  }

  async upsertMessage(tenantId: string, info: MessageInfo): Promise<void> {
    const r = await this.prisma.sql(MESSAGE_UPSERT, [
      info.id,
      tenantId,
      info.sessionID,
      info.role,
      JSON.stringify(stripMessage(info)),
      new Date().toISOString(),
    ]);
    if (!r.count) throw new ConflictError('ConflictError', `Message id already in use: ${info.id}`);
  }

  /**
   * A message and parts of it in one statement: the end of a model step (its final state and closing parts).
   * `releaseAs`: the loop's last write also ends its run, the lease of that owner released in the same transaction
   * (whoever takes the lease next reads this answer). Resolves with whether it was released (false: no release
   * asked, or the lease was no longer that owner's).
   */
  async upsertMessageWithParts(
    tenantId: string,
    info: MessageInfo,
    parts: PartInfo[],
    releaseAs?: string,
  ): Promise<boolean> {
    const unique = [...new Map(parts.map((p) => [p.id, p])).values()];
    if (!unique.length && releaseAs === undefined) return this.upsertMessage(tenantId, info).then(() => false);
    const values: unknown[] = [
      info.id,
      tenantId,
      info.sessionID,
      info.role,
      JSON.stringify(stripMessage(info)),
      new Date().toISOString(),
    ];
    const p = unique.length ? `, p AS (${partUpsert(unique, tenantId, values)} RETURNING 1)` : '';
    const r =
      releaseAs === undefined ? '' : `, r AS (${leaseReleaseSql('$3', `$${values.push(releaseAs)}`)} RETURNING 1)`;
    const { rows } = await this.prisma.sql<{ storedMessage: number; storedParts: number; released: number }>(
      `WITH m AS (${MESSAGE_UPSERT} RETURNING 1)${p}${r}
       SELECT (SELECT count(*) FROM m)::int AS "storedMessage",
         ${p ? '(SELECT count(*) FROM p)::int' : '0'} AS "storedParts",
         ${r ? '(SELECT count(*) FROM r)::int' : '0'} AS released`,
      values,
    );
    if (!rows[0]?.storedMessage) throw new ConflictError('ConflictError', `Message id already in use: ${info.id}`);
    if (rows[0].storedParts < unique.length) throw new ConflictError('ConflictError', 'Part id already in use');
    return rows[0].released > 0;
  }

  async upsertPart(tenantId: string, part: PartInfo): Promise<void> {
    return this.upsertParts(tenantId, [part]);
  }

  /** One multi-row statement for any number of parts (batched stream flushes, forks). */
  async upsertParts(tenantId: string, parts: PartInfo[]): Promise<void> {
    // One statement may not touch a row twice: the last write of an id wins, as sequential upserts would.
    const unique = [...new Map(parts.map((p) => [p.id, p])).values()];
    if (!unique.length) return;
    const values: unknown[] = [];
    const r = await this.prisma.sql(partUpsert(unique, tenantId, values), values);
    if (r.count < unique.length) throw new ConflictError('ConflictError', 'Part id already in use');
  }

  /**
   * Appends `piece` to the text of each stored part whose text is `bytes` long in UTF-8 (what its writer stored last);
   * the ids appended. Only the new text crosses the wire, and the row's value is edited, not parsed anew.
   */
  async appendPartText(
    tenantId: string,
    items: { id: string; sessionId: string; bytes: number; piece: string }[],
  ): Promise<Set<string>> {
    if (!items.length) return new Set();
    const { rows } = await this.prisma.sql<{ id: string }>(
      `UPDATE "Part" p SET data = jsonb_set(p.data, '{text}', to_jsonb((p.data->>'text') || u.piece))
       FROM unnest($2::text[], $3::text[], $4::int[], $5::text[]) AS u(id, "sessionId", bytes, piece)
       WHERE p.id = u.id AND p."tenantId" = $1 AND p."sessionId" = u."sessionId"
         AND octet_length(p.data->>'text') = u.bytes
       RETURNING p.id`,
      [
        tenantId,
        items.map((i) => i.id),
        items.map((i) => i.sessionId),
        items.map((i) => i.bytes),
        items.map((i) => i.piece),
      ],
    );
    return new Set(rows.map((r) => r.id));
  }

  async getMessage(tenantId: string, sessionId: string, id: string): Promise<MessageWithParts | null> {
    const { rows } = await this.prisma.sql<ListedRow>(`${LIST_SQL} AND m.id = $3`, [tenantId, sessionId, id]);
    return rows.length ? toMessageWithParts(rows[0]) : null;
  }

  /**
   * Oldest → newest. With `limit`, the newest `limit` messages before the cursor (OpenCode's pagination);
   * returns whether older ones remain. One statement: each message carries its parts as a JSON array.
   */
  async list(
    tenantId: string,
    sessionId: string,
    opts: { limit?: number; before?: string; afterId?: string } = {},
  ): Promise<{ items: MessageWithParts[]; more: boolean }> {
    const values: unknown[] = [tenantId, sessionId];
    let sql = LIST_SQL;
    if (opts.before) sql += ` AND m.id < $${values.push(opts.before)}`;
    if (opts.afterId) sql += ` AND m.id >= $${values.push(opts.afterId)}`;
    if (!opts.limit && !opts.before && !opts.afterId) {
      const { rows } = await this.prisma.sql<HistoryColumns>(`SELECT ${historyColumns('$1', '$2')}`, values);
      return { items: toHistory(sessionId, rows[0]), more: false };
    }
    if (!opts.limit) {
      const { rows } = await this.prisma.sql<ListedRow>(`${sql} ORDER BY m.id ASC`, values);
      return { items: rows.map(toMessageWithParts), more: false };
    }
    const { rows } = await this.prisma.sql<ListedRow>(
      `${sql} ORDER BY m.id DESC LIMIT $${values.push(opts.limit + 1)}`,
      values,
    );
    const more = rows.length > opts.limit;
    return { items: rows.slice(0, opts.limit).reverse().map(toMessageWithParts), more };
  }

  async lastId(tenantId: string, sessionId: string): Promise<string | undefined> {
    const { rows } = await this.prisma.sql<{ id: string }>(
      `SELECT id FROM "Message" WHERE "tenantId" = $1 AND "sessionId" = $2 ORDER BY id DESC LIMIT 1`,
      [tenantId, sessionId],
    );
    return rows[0]?.id;
  }

  async deleteMessage(tenantId: string, sessionId: string, id: string): Promise<boolean> {
    const r = await this.prisma.message.deleteMany({ where: { tenantId, sessionId, id } });
    return r.count > 0;
  }

  async deleteMessagesFrom(tenantId: string, sessionId: string, fromId: string): Promise<number> {
    const r = await this.prisma.message.deleteMany({ where: { tenantId, sessionId, id: { gte: fromId } } });
    return r.count;
  }

  async getPart(tenantId: string, messageId: string, id: string): Promise<PartInfo | null> {
    const row = await this.prisma.part.findFirst({ where: { tenantId, messageId, id } });
    return row ? toPart(row) : null;
  }

  async deletePart(tenantId: string, messageId: string, id: string): Promise<boolean> {
    const r = await this.prisma.sql(`DELETE FROM "Part" WHERE "tenantId" = $1 AND "messageId" = $2 AND id = $3`, [
      tenantId,
      messageId,
      id,
    ]);
    return r.count > 0;
  }

  /** Assistant messages left unfinished (no time.completed) by a dead process. */
  async setTodos(
    tenantId: string,
    sessionId: string,
    todos: { content: string; status: string; priority: string }[],
  ): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.todo.deleteMany({ where: { tenantId, sessionId } }),
      this.prisma.todo.createMany({ data: todos.map((t, position) => ({ tenantId, sessionId, position, ...t })) }),
    ]);
  }

  async getTodos(tenantId: string, sessionId: string) {
    const rows = await this.prisma.todo.findMany({ where: { tenantId, sessionId }, orderBy: { position: 'asc' } });
    return rows.map(({ content, status, priority }) => ({ content, status, priority }));
  }
}
