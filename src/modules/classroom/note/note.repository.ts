import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../../infra/database/prisma.service';

export interface NoteRow {
  id: string;
  tenantId: string;
  sessionId: string;
  authorId: string | null;
  text: string;
  createdAt: Date;
  deliveredFor: string | null;
  deliveredAt: Date | null;
}

@Injectable()
export class NoteRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(data: { id: string; tenantId: string; sessionId: string; authorId: string; text: string }): Promise<NoteRow> {
    return this.prisma.teacherNote.create({ data });
  }

  list(tenantId: string, sessionId: string): Promise<NoteRow[]> {
    return this.prisma.teacherNote.findMany({ where: { tenantId, sessionId }, orderBy: { id: 'asc' } });
  }

  /** The newest user message of the session: the turn a note goes with. */
  async latestUserMessage(tenantId: string, sessionId: string): Promise<string | undefined> {
    const row = await this.prisma.message.findFirst({
      where: { tenantId, sessionId, role: 'user' },
      orderBy: { id: 'desc' },
      select: { id: true },
    });
    return row?.id;
  }

  /**
   * Notes for the turn of `messageId`: the ones not yet given to the model are claimed for it (one conditional
   * UPDATE, so two processes cannot both claim one), and every step of that turn reads the same set.
   */
  async forTurn(tenantId: string, sessionId: string, messageId: string): Promise<NoteRow[]> {
    await this.prisma.teacherNote.updateMany({
      where: { tenantId, sessionId, deliveredFor: null },
      data: { deliveredFor: messageId, deliveredAt: new Date() },
    });
    return this.prisma.teacherNote.findMany({
      where: { tenantId, sessionId, deliveredFor: messageId },
      orderBy: { id: 'asc' },
    });
  }

  async authorNames(tenantId: string, ids: string[]): Promise<Map<string, string>> {
    const rows = await this.prisma.user.findMany({
      where: { tenantId, id: { in: ids } },
      select: { id: true, name: true },
    });
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
