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
}
