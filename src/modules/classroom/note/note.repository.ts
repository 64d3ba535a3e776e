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

/** A note as the model gets it. `author`: null when the author is gone. */
export interface TurnNote {
  id: string;
  text: string;
  author: string | null;
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

  /**
   * The notes for the session's current turn (its newest user message), with their authors' names, in one
   * statement: the notes not yet given to the model are claimed for that turn (a conditional UPDATE, so two
   * processes cannot both claim one) and every step of the turn reads the same set. Every step of every prompt
   * asks, note or not: one round trip instead of six (the turn, BEGIN/UPDATE/COMMIT, the notes, the names).
   */
  async claimForTurn(tenantId: string, sessionId: string): Promise<TurnNote[]> {
    const { rows } = await this.prisma.sql<TurnNote>(
      `WITH turn AS (
         SELECT id FROM "Message" WHERE "tenantId" = $1 AND "sessionId" = $2 AND role = 'user' ORDER BY id DESC LIMIT 1
       ), claimed AS (
         UPDATE "TeacherNote" n SET "deliveredFor" = turn.id, "deliveredAt" = $3::timestamp FROM turn
         WHERE n."tenantId" = $1 AND n."sessionId" = $2 AND n."deliveredFor" IS NULL
         RETURNING n.id, n."authorId", n.text
       ), notes AS (
         SELECT id, "authorId", text FROM claimed
         UNION ALL
         SELECT n.id, n."authorId", n.text FROM "TeacherNote" n JOIN turn ON n."deliveredFor" = turn.id
         WHERE n."tenantId" = $1 AND n."sessionId" = $2
       )
       SELECT notes.id, notes.text, u.name AS author FROM notes
       LEFT JOIN "User" u ON u."tenantId" = $1 AND u.id = notes."authorId"
       ORDER BY notes.id`,
      [tenantId, sessionId, new Date().toISOString()],
    );
    return rows;
  }

  async authorNames(tenantId: string, ids: string[]): Promise<Map<string, string>> {
    const rows = await this.prisma.user.findMany({
      where: { tenantId, id: { in: ids } },
      select: { id: true, name: true },
    });
    return new Map(rows.map((r) => [r.id, r.name]));
  }
}
