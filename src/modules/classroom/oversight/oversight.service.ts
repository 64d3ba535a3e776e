import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { SessionRunService } from '../../session/run/session-run.service';
import { tenantPeriods } from '../../school/budget/tenant-clock';
import type { UsageReportDto } from '../../school/usage/dto/usage.dto';
import { UsageService } from '../../school/usage/usage.service';
import { AssignmentRepository } from '../assignment/assignment.repository';
import { AssignmentService } from '../assignment/assignment.service';
import type { ClassOverviewDto, ClassUsageQueryDto } from './dto/overview.dto';
import { OversightRepository } from './oversight.repository';

const DAY_MS = 24 * 3600 * 1000;

/** The class view: who is working, on what, whether they are stuck waiting, and what they used today. */
@Injectable()
export class OversightService {
  constructor(
    private readonly repo: OversightRepository,
    private readonly assignments: AssignmentService,
    private readonly classes: AssignmentRepository,
    private readonly runs: SessionRunService,
    private readonly usageReports: UsageService,
  ) {}

  /** Per-student usage of the class, as JSON or as CSV text. */
  async usage(auth: AuthContext, classId: string, q: ClassUsageQueryDto): Promise<UsageReportDto | string> {
    await this.assignments.assertClass(auth, classId, 'manage');
    const students = await this.classes.students(auth.tenantId, classId);
    const report = await this.usageReports.ofStudents(auth, students, q);
    return q.format === 'csv' ? this.usageReports.toCsv(report) : report;
  }

  async overview(auth: AuthContext, classId: string): Promise<ClassOverviewDto> {
    await this.assignments.assertClass(auth, classId, 'manage');
    const students = await this.classes.students(auth.tenantId, classId);
    const ids = students.map((s) => s.id);
    const day = tenantPeriods(new Date(), await this.repo.timezone(auth.tenantId)).day;
    const [sessions, last, usage] = await Promise.all([
      this.repo.recentSessions(auth.tenantId, ids, new Date(Date.now() - DAY_MS)),
      this.repo.lastActivity(auth.tenantId, ids),
      this.repo.usageOn(auth.tenantId, ids, day),
    ]);
    const sessionIds = new Set(sessions.map((s) => s.id));
    const [running, waiting] = await Promise.all([
      this.runs.statuses(auth.tenantId, () => true),
      this.repo.waiting(auth.tenantId, [...sessionIds]),
    ]);
    return {
      classID: classId,
      students: students.map((s) => ({
        userID: s.id,
        name: s.name,
        sessions: sessions
          .filter((x) => x.userId === s.id)
          .map((x) => ({
            id: x.id,
            title: x.title,
            directory: x.directory,
            status: waiting.has(x.id) ? 'waiting' : running[x.id] ? 'busy' : 'idle',
            updated: x.updatedAt.getTime(),
          })),
        lastActivity: last.get(s.id)?.getTime() ?? null,
        usageToday: usage.get(s.id) ?? { steps: 0, tokens: 0, cost: '0' },
      })),
    };
  }
}
