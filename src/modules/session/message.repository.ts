import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infra/database/prisma.service';
import type { Prisma } from '../../generated/prisma/client';
import type { MessageInfo, MessageWithParts, PartInfo } from './session.types';

type MessageRow = { id: string; sessionId: string; role: string; data: Prisma.JsonValue };
type PartRow = { id: string; sessionId: string; messageId: string; type: string; data: Prisma.JsonValue };

function toInfo(row: MessageRow): MessageInfo {
  return { ...(row.data as object), id: row.id, sessionID: row.sessionId, role: row.role } as MessageInfo;
}

function toPart(row: PartRow): PartInfo {
  return { ...(row.data as object), id: row.id, sessionID: row.sessionId, messageID: row.messageId, type: row.type } as PartInfo;
}

function stripMessage(info: MessageInfo): Prisma.InputJsonValue {
  const { id: _id, sessionID: _s, role: _r, ...rest } = info as MessageInfo & Record<string, unknown>;
  return rest as Prisma.InputJsonValue;
}

function stripPart(part: PartInfo): Prisma.InputJsonValue {
  const { id: _id, sessionID: _s, messageID: _m, type: _t, ...rest } = part as PartInfo & Record<string, unknown>;
  return rest as Prisma.InputJsonValue;
}

/** Messages and parts are rows holding OpenCode's JSON; ids give the order. */
@Injectable()
export class MessageRepository {
  constructor(private readonly prisma: PrismaService) {}

  async upsertMessage(tenantId: string, info: MessageInfo): Promise<void> {
    const data = stripMessage(info);
    await this.prisma.message.upsert({
      where: { id: info.id },
      create: { id: info.id, tenantId, sessionId: info.sessionID, role: info.role, data },
      update: { data },
    });
  }

  async upsertPart(tenantId: string, part: PartInfo): Promise<void> {
    const data = stripPart(part);
    await this.prisma.part.upsert({
      where: { id: part.id },
      create: { id: part.id, tenantId, sessionId: part.sessionID, messageId: part.messageID, type: part.type, data },
      update: { data, type: part.type },
    });
  }

  /** Writes several parts in one transaction (batched stream flushes). */
  async upsertParts(tenantId: string, parts: PartInfo[]): Promise<void> {
    if (!parts.length) return;
    if (parts.length === 1) return this.upsertPart(tenantId, parts[0]);
    await this.prisma.$transaction(
      parts.map((part) => {
        const data = stripPart(part);
        return this.prisma.part.upsert({
          where: { id: part.id },
          create: { id: part.id, tenantId, sessionId: part.sessionID, messageId: part.messageID, type: part.type, data },
          update: { data, type: part.type },
        });
      }),
    );
  }

  async getMessage(tenantId: string, sessionId: string, id: string): Promise<MessageWithParts | null> {
    const row = await this.prisma.message.findFirst({ where: { tenantId, sessionId, id } });
    if (!row) return null;
    const parts = await this.prisma.part.findMany({ where: { tenantId, messageId: id }, orderBy: { id: 'asc' } });
    return { info: toInfo(row), parts: parts.map(toPart) };
  }

  /**
   * Oldest → newest. With `limit`, the newest `limit` messages before the cursor (OpenCode's pagination);
   * returns whether older ones remain.
   */
  async list(tenantId: string, sessionId: string, opts: { limit?: number; before?: string; afterId?: string } = {}): Promise<{ items: MessageWithParts[]; more: boolean }> {
    const where: Prisma.MessageWhereInput = {
      tenantId,
      sessionId,
      ...(opts.before ? { id: { lt: opts.before } } : {}),
      ...(opts.afterId ? { id: { gte: opts.afterId } } : {}),
    };
    let rows: MessageRow[];
    let more = false;
    if (opts.limit) {
      rows = await this.prisma.message.findMany({ where, orderBy: { id: 'desc' }, take: opts.limit + 1 });
      more = rows.length > opts.limit;
      rows = rows.slice(0, opts.limit).reverse();
    } else {
      rows = await this.prisma.message.findMany({ where, orderBy: { id: 'asc' } });
    }
    if (!rows.length) return { items: [], more };
    const partRows = await this.prisma.part.findMany({
      where: { tenantId, sessionId, messageId: { gte: rows[0].id, lte: rows[rows.length - 1].id } },
      orderBy: { id: 'asc' },
    });
    const byMessage = new Map<string, PartInfo[]>();
    for (const p of partRows) {
      const list = byMessage.get(p.messageId) ?? [];
      list.push(toPart(p));
      byMessage.set(p.messageId, list);
    }
    return { items: rows.map((r) => ({ info: toInfo(r), parts: byMessage.get(r.id) ?? [] })), more };
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
    const r = await this.prisma.part.deleteMany({ where: { tenantId, messageId, id } });
    return r.count > 0;
  }

  /** Assistant messages left unfinished (no time.completed) by a dead process. */
  async unfinishedAssistants(tenantId: string, sessionId: string): Promise<MessageInfo[]> {
    const rows = await this.prisma.message.findMany({ where: { tenantId, sessionId, role: 'assistant' }, orderBy: { id: 'desc' }, take: 5 });
    return rows.map(toInfo).filter((m) => m.role === 'assistant' && !m.time.completed);
  }

  async openToolParts(tenantId: string, messageId: string): Promise<PartInfo[]> {
    const rows = await this.prisma.part.findMany({ where: { tenantId, messageId, type: 'tool' } });
    return rows.map(toPart).filter((p) => p.type === 'tool' && (p.state.status === 'pending' || p.state.status === 'running'));
  }

  async setTodos(tenantId: string, sessionId: string, todos: { content: string; status: string; priority: string }[]): Promise<void> {
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
