import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../../infra/database/prisma.service';
import { Prisma } from '../../../generated/prisma/client';

export interface AssignmentRow {
  id: string;
  tenantId: string;
  classId: string;
  title: string;
  instructions: string;
  policy: unknown;
  starter: unknown;
  dueAt: Date | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WorkRow {
  assignmentId: string;
  tenantId: string;
  userId: string;
  projectId: string;
  startCommit: string | null;
  openedAt: Date;
}

export interface CollectionRow {
  id: string;
  tenantId: string;
  assignmentId: string;
  trigger: string;
  createdBy: string | null;
  summary: unknown;
  createdAt: Date;
}

/** Assignments, students' seeded copies and collections; every method is scoped by tenant. */
@Injectable()
export class AssignmentRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(data: {
    id: string;
    tenantId: string;
    classId: string;
    title: string;
    instructions: string;
    policy: object;
    dueAt: Date | null;
    createdBy: string;
  }): Promise<AssignmentRow> {
    return this.prisma.assignment.create({ data });
  }

  find(tenantId: string, id: string): Promise<AssignmentRow | null> {
    return this.prisma.assignment.findFirst({ where: { tenantId, id } });
  }

  listByClass(tenantId: string, classId: string): Promise<AssignmentRow[]> {
    return this.prisma.assignment.findMany({ where: { tenantId, classId }, orderBy: { createdAt: 'desc' } });
  }

  async update(
    tenantId: string,
    id: string,
    data: { title?: string; instructions?: string; policy?: object; dueAt?: Date | null; starter?: object },
  ): Promise<AssignmentRow | null> {
    const r = await this.prisma.assignment.updateMany({ where: { tenantId, id }, data });
    return r.count ? this.find(tenantId, id) : null;
  }

  async delete(tenantId: string, id: string): Promise<boolean> {
    return (await this.prisma.assignment.deleteMany({ where: { tenantId, id } })).count > 0;
  }

  /** The caller's role in the class (teacher | student), or null when not a member or the class is elsewhere. */
  async memberRole(tenantId: string, classId: string, userId: string): Promise<string | null> {
    const row = await this.prisma.classMember.findFirst({
      where: { tenantId, classId, userId },
      select: { role: true },
    });
    return row?.role ?? null;
  }

  async classExists(tenantId: string, classId: string): Promise<boolean> {
    return (await this.prisma.class.count({ where: { tenantId, id: classId } })) > 0;
  }

  /** Students of the class, with names (folder names of the collection zip). */
  students(tenantId: string, classId: string): Promise<{ id: string; name: string }[]> {
    return this.prisma.user.findMany({
      where: { tenantId, deletedAt: null, classMembers: { some: { classId, role: 'student' } } },
      select: { id: true, name: true },
      orderBy: { name: 'asc' },
    });
  }

  findWork(tenantId: string, assignmentId: string, userId: string): Promise<WorkRow | null> {
    return this.prisma.assignmentWork.findFirst({ where: { tenantId, assignmentId, userId } });
  }

  works(tenantId: string, assignmentId: string): Promise<WorkRow[]> {
    return this.prisma.assignmentWork.findMany({ where: { tenantId, assignmentId }, orderBy: { userId: 'asc' } });
  }

  /** Records a student's copy; false when another request recorded it first. */
  async createWork(data: Omit<WorkRow, 'openedAt'>): Promise<boolean> {
    try {
      await this.prisma.assignmentWork.create({ data });
      return true;
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') return false;
      throw err;
    }
  }

  /** The assignment a project is the seeded copy of, if any. */
  async forProject(tenantId: string, projectId: string): Promise<AssignmentRow | null> {
    const work = await this.prisma.assignmentWork.findFirst({
      where: { tenantId, projectId },
      select: { assignment: true },
    });
    return work?.assignment ?? null;
  }

  createCollection(data: Omit<CollectionRow, 'createdAt' | 'summary'> & { summary: object }): Promise<CollectionRow> {
    return this.prisma.assignmentCollection.create({ data });
  }

  collections(tenantId: string, assignmentId: string): Promise<CollectionRow[]> {
    return this.prisma.assignmentCollection.findMany({
      where: { tenantId, assignmentId },
      orderBy: { createdAt: 'desc' },
    });
  }

  findCollection(tenantId: string, assignmentId: string, id: string): Promise<CollectionRow | null> {
    return this.prisma.assignmentCollection.findFirst({ where: { tenantId, assignmentId, id } });
  }
}
