import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { MessageRepository } from '../message.repository';
import { SessionLoopService } from '../prompt/session-loop.service';
import { SessionPromptService } from '../prompt/session-prompt.service';
import { SessionRunService } from '../run/session-run.service';
import { SessionService } from '../session.service';
import { TurnContextService } from '../turn/turn-context.service';
import type { UserMessageInfo } from '../session.types';
import { CompactionFollowUp } from './compaction-follow-up';

/** Manual compaction (`POST /session/{id}/summarize`); the loop's side of compaction is CompactionSteps. */
@Injectable()
export class CompactionService {
  constructor(
    private readonly messages: MessageRepository,
    private readonly sessions: SessionService,
    private readonly runs: SessionRunService,
    private readonly followUp: CompactionFollowUp,
    private readonly turns: TurnContextService,
    private readonly loop: SessionLoopService,
    private readonly prompts: SessionPromptService,
  ) {}

  /** Manual compaction (`POST /session/{id}/summarize`): a request message, then the loop processes it. */
  async summarize(
    auth: AuthContext,
    sessionId: string,
    input: { providerID: string; modelID: string; auto?: boolean },
  ): Promise<boolean> {
    const row = await this.sessions.loadForWrite(auth, sessionId);
    await this.prompts.admit(auth, row);
    const { items } = await this.messages.list(row.tenantId, row.id, { limit: 20 });
    const lastUser = [...items].reverse().find((m) => m.info.role === 'user')?.info as UserMessageInfo | undefined;
    // The summary runs on the model the request names: the allow-lists decide whether this user may use it.
    await this.turns.choose(auth, row, { model: { providerID: input.providerID, modelID: input.modelID } });
    await this.followUp.createRequest(
      row,
      { agent: lastUser?.agent ?? 'build', model: { providerID: input.providerID, modelID: input.modelID } },
      { auto: input.auto ?? false },
    );
    await this.runs.run(row, (signal) => this.loop.loop(auth, row, signal, this.prompts));
    return true;
  }
}
