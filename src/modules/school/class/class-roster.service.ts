import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { ClassRepository } from './class.repository';

/**
 * Who a teacher oversees. Read from the database on each check (not from the cached key/JWT context) so a
 * student moved out of a class is out of sight at once.
 */
@Injectable()
export class ClassRosterService {
  constructor(private readonly classes: ClassRepository) {}

  async watchedUserIds(auth: AuthContext): Promise<Set<string>> {
    if (auth.role !== 'teacher') return new Set();
    return new Set(await this.classes.studentsOfTeacher(auth.tenantId, auth.userId));
  }

  teaches(auth: AuthContext, userId: string | null): Promise<boolean> {
    if (auth.role !== 'teacher' || !userId) return Promise.resolve(false);
    return this.classes.teaches(auth.tenantId, auth.userId, userId);
  }
}
