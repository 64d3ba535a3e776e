import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../../infra/database/prisma.service';

export type MemberRole = 'teacher' | 'student';

export interface ClassRow {
  id: string;
  tenantId: string;
  name: string;
  createdAt: Date;
  members: { userId: string; role: string }[];
  settings: unknown;
}

const SELECT = {
  id: true,
  tenantId: true,
  name: true,
  createdAt: true,
  settings: true,
  members: { select: { userId: true, role: true }, orderBy: { userId: 'asc' as const } },
} as const;

@Injectable()
export class ClassRepository {
  constructor(private readonly prisma: PrismaService) {}

  list(tenantId: string, teacherId?: string): Promise<ClassRow[]> {
    return this.prisma.class.findMany({
      where: { tenantId, ...(teacherId ? { members: { some: { userId: teacherId, role: 'teacher' } } } : {}) },
      select: SELECT,
      orderBy: { name: 'asc' },
    });
  }

  find(tenantId: string, id: string): Promise<ClassRow | null> {
    return this.prisma.class.findFirst({ where: { tenantId, id }, select: SELECT });
  }

  findByName(tenantId: string, name: string): Promise<ClassRow | null> {
    return this.prisma.class.findFirst({ where: { tenantId, name }, select: SELECT });
  }

  create(data: { id: string; tenantId: string; name: string }): Promise<ClassRow> {
    return this.prisma.class.create({ data, select: SELECT });
  }

  async rename(tenantId: string, id: string, name: string): Promise<ClassRow | null> {
    const r = await this.prisma.class.updateMany({ where: { tenantId, id }, data: { name } });
    return r.count ? this.find(tenantId, id) : null;
  }

  async setSettings(tenantId: string, id: string, settings: object): Promise<ClassRow | null> {
    const r = await this.prisma.class.updateMany({ where: { tenantId, id }, data: { settings } });
    return r.count ? this.find(tenantId, id) : null;
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    return (await this.prisma.class.deleteMany({ where: { tenantId, id } })).count > 0;
  }

  async upsertMember(tenantId: string, classId: string, userId: string, role: MemberRole): Promise<void> {
    await this.prisma.classMember.upsert({
      where: { classId_userId: { classId, userId } },
      create: { tenantId, classId, userId, role },
      update: { role },
    });
  }

  async removeMember(tenantId: string, classId: string, userId: string): Promise<boolean> {
    return (await this.prisma.classMember.deleteMany({ where: { tenantId, classId, userId } })).count > 0;
  }

  /** Replaces a user's memberships with exactly these classes (identity claims are the source of truth). */
  async syncMemberships(tenantId: string, userId: string, classIds: string[], role: MemberRole): Promise<void> {
    await this.prisma.$transaction([
      this.prisma.classMember.deleteMany({ where: { tenantId, userId, classId: { notIn: classIds } } }),
      ...classIds.map((classId) =>
        this.prisma.classMember.upsert({
          where: { classId_userId: { classId, userId } },
          create: { tenantId, classId, userId, role },
          update: { role },
        }),
      ),
    ]);
  }

  async userExists(tenantId: string, userId: string): Promise<boolean> {
    return (await this.prisma.user.count({ where: { tenantId, id: userId, deletedAt: null } })) > 0;
  }

  /** Students of the classes this user teaches. */
  async studentsOfTeacher(tenantId: string, teacherId: string): Promise<string[]> {
    const rows = await this.prisma.classMember.findMany({
      where: { tenantId, role: 'student', class: { members: { some: { userId: teacherId, role: 'teacher' } } } },
      select: { userId: true },
      distinct: ['userId'],
    });
    return rows.map((r) => r.userId);
  }

  async teaches(tenantId: string, teacherId: string, studentId: string): Promise<boolean> {
    const n = await this.prisma.classMember.count({
      where: {
        tenantId,
        userId: studentId,
        role: 'student',
        class: { members: { some: { userId: teacherId, role: 'teacher' } } },
      },
    });
    return n > 0;
  }

  async classIdsOf(tenantId: string, userId: string): Promise<string[]> {
    const rows = await this.prisma.classMember.findMany({ where: { tenantId, userId }, select: { classId: true } });
    return rows.map((r) => r.classId);
  }

  async memberIds(tenantId: string, classId: string): Promise<string[]> {
    const rows = await this.prisma.classMember.findMany({ where: { tenantId, classId }, select: { userId: true } });
    return rows.map((r) => r.userId);
  }
}
