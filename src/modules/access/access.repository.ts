import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../infra/database/prisma.service';

/** Read side of class settings for the allow-lists; the class module owns the writes. */
@Injectable()
export class AccessRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Settings of every class the user is a student of. */
  async studentClassSettings(tenantId: string, userId: string): Promise<{ name: string; settings: unknown }[]> {
    return this.prisma.class.findMany({
      where: { tenantId, members: { some: { userId, role: 'student' } } },
      select: { name: true, settings: true },
      orderBy: { id: 'asc' },
    });
  }

  /** The policy of the assignment this project is a student's copy of, if it is one. */
  async assignmentPolicy(tenantId: string, projectId: string): Promise<{ title: string; policy: unknown } | undefined> {
    const work = await this.prisma.assignmentWork.findFirst({
      where: { tenantId, projectId },
      select: { assignment: { select: { title: true, policy: true } } },
    });
    return work?.assignment;
  }
}
