import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infra/database/prisma.service';
import type { Prisma } from '../../generated/prisma/client';

export type QuestionStatus = 'pending' | 'replied' | 'rejected' | 'expired';

@Injectable()
export class QuestionRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(data: Prisma.QuestionRequestUncheckedCreateInput) {
    return this.prisma.questionRequest.create({ data });
  }

  find(tenantId: string, id: string) {
    return this.prisma.questionRequest.findFirst({ where: { tenantId, id } });
  }

  pending(tenantId: string) {
    return this.prisma.questionRequest.findMany({ where: { tenantId, status: 'pending' }, orderBy: { id: 'asc' } });
  }

  /** Resolves a pending request once; false when it was already answered, rejected or expired. */
  async resolve(tenantId: string, id: string, status: QuestionStatus, answers?: string[][]): Promise<boolean> {
    const r = await this.prisma.questionRequest.updateMany({
      where: { tenantId, id, status: 'pending' },
      data: { status, resolvedAt: new Date(), ...(answers ? { answers } : {}) },
    });
    return r.count > 0;
  }
}
