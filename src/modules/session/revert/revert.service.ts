import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { NotFoundError } from '../../../core/errors/domain-error';
import { ConfigService } from '../../config/config.service';
import { SnapshotService } from '../../snapshot/snapshot.service';
import type { GitSnapshot } from '../../snapshot/snapshot.git';
import { MessageRepository } from '../message.repository';
import { SessionRunService } from '../run/session-run.service';
import { SessionBusyError } from '../session.errors';
import type { PromptGuard } from '../session-extension.port';
import { toSessionInfo } from '../session.mapper';
import type { SessionRow } from '../session.repository';
import { SessionService } from '../session.service';
import { SessionWriter } from '../session-writer';
import type { SessionInfo } from '../session.types';
import { SessionChangesRepository } from '../summary/summary.repository';
import { SummaryService } from '../summary/summary.service';
import { findRevertPoint, revertedContent } from './revert.point';

type RevertState = NonNullable<SessionInfo['revert']>;

/**
 * Revert / unrevert (OpenCode §6.3). Reverting puts the workspace files back and marks the point; messages stay
 * until the next prompt, which removes them for good (a prompt guard), so unrevert can still undo it all.
 */
@Injectable()
export class RevertService implements PromptGuard {
  constructor(
    private readonly sessions: SessionService,
    private readonly messages: MessageRepository,
    private readonly runs: SessionRunService,
    private readonly changes: SessionChangesRepository,
    private readonly summaries: SummaryService,
    private readonly snapshots: SnapshotService,
    private readonly config: ConfigService,
    private readonly writer: SessionWriter,
  ) {}

  /** The next prompt after a revert removes the reverted messages for good. */
  beforePrompt(_auth: AuthContext, row: SessionRow): Promise<void> {
    return this.cleanup(row);
  }

  async revert(
    auth: AuthContext,
    sessionId: string,
    target: { messageID: string; partID?: string },
  ): Promise<SessionInfo> {
    const row = await this.sessions.loadForWrite(auth, sessionId);
    await this.assertIdle(row);
    const { items } = await this.messages.list(row.tenantId, row.id);
    const point = findRevertPoint(items, target);
    if (!point)
      throw new NotFoundError(
        target.partID ? `Part not found: ${target.partID}` : `Message not found: ${target.messageID}`,
      );
    const state: RevertState = { messageID: point.messageID, ...(point.partID ? { partID: point.partID } : {}) };
    const engine = await this.engine(auth, row);
    if (engine) {
      const previous = row.revert as RevertState | null;
      // Already reverted: start from the files as they were before that revert, and keep that snapshot so
      // unrevert still returns to the newest state.
      state.snapshot = previous?.snapshot ?? (await engine.track());
      if (previous?.snapshot) await engine.restore(previous.snapshot);
      await engine.revert(point.patches);
      state.diff = await engine.diff(state.snapshot);
      const reverted = items.filter((m) => m.info.id >= point.messageID);
      await this.summaries.store(row, await this.summaries.sessionDiff(row, reverted));
    }
    return this.saveState(row, state);
  }

  async unrevert(auth: AuthContext, sessionId: string): Promise<SessionInfo> {
    const row = await this.sessions.loadForWrite(auth, sessionId);
    await this.assertIdle(row);
    const state = row.revert as RevertState | null;
    if (!state) return toSessionInfo(row);
    const engine = await this.engine(auth, row);
    if (engine && state.snapshot) {
      await engine.restore(state.snapshot);
      const { items } = await this.messages.list(row.tenantId, row.id);
      await this.summaries.store(row, await this.summaries.sessionDiff(row, items));
    }
    return this.saveState(row, null);
  }

  /** Next prompt after a revert: the reverted messages and parts are deleted, the revert state cleared. */
  async cleanup(row: SessionRow): Promise<void> {
    const state = row.revert as RevertState | null;
    if (!state) return;
    const { items } = await this.messages.list(row.tenantId, row.id);
    const gone = revertedContent(items, state);
    for (const part of gone.parts) await this.writer.removePart(row, part);
    for (const messageID of gone.messages) await this.writer.removeMessage(row, messageID);
    await this.saveState(row, null);
    row.revert = null;
  }

  private async saveState(row: SessionRow, state: RevertState | null): Promise<SessionInfo> {
    const updated = (await this.changes.setRevert(row.tenantId, row.id, state)) ?? row;
    return this.sessions.emitUpdated(updated);
  }

  private async assertIdle(row: SessionRow): Promise<void> {
    if (this.runs.isRunningHere(row.id) || (await this.runs.statuses(row.tenantId, () => true))[row.id])
      throw new SessionBusyError(row.id);
  }

  /** The project's snapshot engine, or undefined when the project turned snapshots off. */
  private async engine(auth: AuthContext, row: SessionRow): Promise<GitSnapshot | undefined> {
    const config = await this.config.effective(auth, row.projectId);
    if (config.snapshot === false) return undefined;
    return this.snapshots.engine({ tenantId: row.tenantId, projectId: row.projectId, directory: row.directory });
  }
}
