import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AuthContext } from '../../../core/auth/auth-context';
import { LOGGER } from '../../../core/logging/logger';
import { QueueService } from '../../../infra/queue/queue.service';
import { EventType } from '../../event/event.types';
import { SnapshotService } from '../../snapshot/snapshot.service';
import type { SnapshotFileDiff } from '../../snapshot/snapshot.types';
import { MessageRepository } from '../message.repository';
import type { LoopEnd, LoopFinisher } from '../session-extension.port';
import { SessionRepository, type SessionRow } from '../session.repository';
import { SessionService } from '../session.service';
import { SessionWriter } from '../session-writer';
import type { AssistantMessageInfo, MessageWithParts, UserMessageInfo } from '../session.types';
import { diffOf, totals } from './summary.diff';
import { SessionChangesRepository } from './summary.repository';

const RECENT_TURNS = 5;

/**
 * Session summary (OpenCode §6.1) as the `session.summary` job: the session diff from the first step's tree to
 * the last finished step's tree, its totals, and each user message's own diff. Recomputed from the stored
 * parts every time, so a re-run (retry, duplicate) writes the same result.
 */
@Injectable()
export class SummaryService implements OnModuleInit, LoopFinisher {
  constructor(
    private readonly queues: QueueService,
    private readonly sessionRepo: SessionRepository,
    private readonly changes: SessionChangesRepository,
    private readonly messages: MessageRepository,
    private readonly sessions: SessionService,
    private readonly snapshots: SnapshotService,
    private readonly writer: SessionWriter,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.queues.register('session.summary', (p) => this.run(p.tenantId, p.sessionId));
  }

  /**
   * Off the prompt's answer path: the summary is a background job either way (clients poll or get session.diff). A
   * loop whose steps changed no file leaves every diff the job would compute as it is: no job (and no
   * session.updated/session.diff that would only repeat the stored diff).
   */
  async afterLoop(_auth: AuthContext, row: SessionRow, end: LoopEnd): Promise<void> {
    if (!end.filesChanged) return;
    void this.enqueue(row).catch((err) =>
      this.logger.warn({ err, sessionId: row.id }, 'could not enqueue the session summary'),
    );
  }

  /** One job per transcript state: the id names the newest message, so a finished job never hides a later one. */
  async enqueue(row: SessionRow): Promise<void> {
    const last = (await this.messages.lastId(row.tenantId, row.id)) ?? 'empty';
    await this.queues.enqueue(
      'session.summary',
      { tenantId: row.tenantId, sessionId: row.id, messageId: last },
      { jobId: `summary-${row.id}-${last}` },
    );
  }

  async run(tenantId: string, sessionId: string): Promise<{ files: number } | { skipped: string }> {
    const row = await this.sessionRepo.find(tenantId, sessionId);
    if (!row) return { skipped: 'session gone' };
    const { items } = await this.messages.list(tenantId, sessionId);
    const diff = await this.sessionDiff(row, items);
    await this.perMessage(row, items);
    await this.store(row, diff);
    this.logger.debug({ sessionId, files: diff.length }, 'session summary computed');
    return { files: diff.length };
  }

  /** `GET /session/{id}/diff`: the stored session diff. */
  async diff(auth: AuthContext, sessionId: string): Promise<SnapshotFileDiff[]> {
    const row = await this.sessions.load(auth, sessionId);
    return (row.diff as SnapshotFileDiff[] | null) ?? [];
  }

  /** Diff of the steps in `messages` for this session's workspace. */
  sessionDiff(row: SessionRow, messages: MessageWithParts[]): Promise<SnapshotFileDiff[]> {
    return diffOf(
      this.snapshots.treeReader({ tenantId: row.tenantId, projectId: row.projectId, directory: row.directory }),
      messages,
    );
  }

  /** Writes the diff and totals, then `session.updated` and `session.diff`. */
  async store(row: SessionRow, diff: SnapshotFileDiff[]): Promise<SessionRow> {
    const updated = (await this.changes.storeDiff(row.tenantId, row.id, diff, totals(diff))) ?? row;
    this.sessions.emitUpdated(updated);
    this.sessions.publish(updated, EventType.SessionDiff, { sessionID: row.id, diff });
    return updated;
  }

  /**
   * A turn's files stop changing once its loop is over, so only the newest turns are recomputed: a 300-turn
   * session does not pay 300 tree diffs after every answer.
   */
  private async perMessage(row: SessionRow, items: MessageWithParts[]): Promise<void> {
    const users = items.filter((m) => m.info.role === 'user').slice(-RECENT_TURNS);
    for (const user of users) {
      const answers = items.filter(
        (m) => m.info.role === 'assistant' && (m.info as AssistantMessageInfo).parentID === user.info.id,
      );
      const diffs = await this.sessionDiff(row, answers);
      const info = user.info as UserMessageInfo;
      if (JSON.stringify(info.summary?.diffs ?? []) === JSON.stringify(diffs)) continue;
      const next: UserMessageInfo = { ...info, summary: { ...(info.summary ?? {}), diffs } };
      const { id: _id, sessionID: _s, role: _r, ...data } = next;
      if (!(await this.changes.updateMessageData(row.tenantId, row.id, info.id, data))) continue;
      this.writer.publishMessage(row, next);
    }
  }
}
