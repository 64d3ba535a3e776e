import { Injectable } from '@nestjs/common';
import { newId } from '../../../core/ids';
import { MessageRepository } from '../message.repository';
import type { SessionRow } from '../session.repository';
import { SessionWriter } from '../session-writer';
import type { PartInfo, UserMessageInfo } from '../session.types';

/** Relative path of a session's plan file, as OpenCode names it: `.opencode/plans/<created>-<slug>.md`. */
export function planFilePath(session: Pick<SessionRow, 'createdAt' | 'slug'>): string {
  return `.opencode/plans/${session.createdAt.getTime()}-${session.slug}.md`;
}

/**
 * Agent switches for plan_enter / plan_exit: a synthetic user message addressed to the other agent, so the
 * loop's next step (which follows the last user message's agent) runs as that agent.
 */
@Injectable()
export class PlanService {
  constructor(
    private readonly messages: MessageRepository,
    private readonly writer: SessionWriter,
  ) {}

  async switchAgent(session: SessionRow, agent: string, text: string): Promise<void> {
    const { items } = await this.messages.list(session.tenantId, session.id, { limit: 10 });
    const last = [...items].reverse().find((m) => m.info.role === 'user')?.info as UserMessageInfo | undefined;
    const stored = session.model as { id?: string; providerID?: string } | null;
    const model = last?.model ?? { providerID: stored?.providerID ?? '', modelID: stored?.id ?? '' };
    const now = Date.now();
    const info: UserMessageInfo = {
      id: newId('message', { at: now }),
      sessionID: session.id,
      role: 'user',
      time: { created: now },
      agent,
      model,
      summary: { diffs: [] },
    };
    const part: PartInfo = {
      id: newId('part'),
      sessionID: session.id,
      messageID: info.id,
      type: 'text',
      text,
      synthetic: true,
    };
    await this.writer.turn(session, info, [part]);
  }
}
