import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../../../core/logging/logger';
import { QueueService } from '../../../infra/queue/queue.service';
import { DomainError } from '../../../core/errors/domain-error';
import { LlmTurnService } from '../llm/llm-turn';
import { MessageRepository } from '../message.repository';
import { isDefaultTitle } from '../session.mapper';
import { SessionRepository } from '../session.repository';
import { SessionService } from '../session.service';
import type { UserMessageInfo } from '../session.types';
import { TurnContextService } from '../turn/turn-context.service';

/** Cleans a model's title answer: no <think> block, first non-empty line, at most 100 chars. */
export function cleanTitle(raw: string): string | undefined {
  const text = raw.replace(/<think>[\s\S]*?<\/think>/g, '');
  const line = text
    .split('\n')
    .map((l) => l.trim().replace(/^["'#*\s]+|["'*\s]+$/g, ''))
    .find(Boolean);
  if (!line) return undefined;
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}

/** `session.title` job: a one-line title from the small model for a root session's first message. */
@Injectable()
export class TitleProcessor implements OnModuleInit {
  constructor(
    private readonly queues: QueueService,
    private readonly repo: SessionRepository,
    private readonly messages: MessageRepository,
    private readonly sessions: SessionService,
    private readonly turns: TurnContextService,
    private readonly llm: LlmTurnService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.queues.register('session.title', (p) => this.run(p.tenantId, p.sessionId, p.messageId));
  }

  async run(tenantId: string, sessionId: string, messageId: string): Promise<{ title?: string; skipped?: string }> {
    const row = await this.repo.find(tenantId, sessionId);
    // Idempotent: a re-run after a crash, or a title set meanwhile, does nothing.
    if (!row) return { skipped: 'session gone' };
    if (!isDefaultTitle(row.title)) return { skipped: 'already titled' };
    const message = await this.messages.getMessage(tenantId, sessionId, messageId);
    if (!message) return { skipped: 'message gone' };
    const text = message.parts
      .flatMap((p) => (p.type === 'text' && !p.synthetic && !p.ignored ? [p.text] : []))
      .join('\n')
      .slice(0, 8000);
    if (!text.trim()) return { skipped: 'no text' };
    const call = await this.turns.forTitle(row, message.info as UserMessageInfo, text);
    let answer = '';
    try {
      for await (const ev of this.llm.call({
        session: row,
        purpose: 'title',
        model: call.model.info,
        language: call.model.language,
        request: call.request,
        sessionTotals: false,
      })) {
        if (ev.type === 'text-delta') answer += ev.delta;
      }
    } catch (err) {
      // A spent budget leaves the default title; retrying the job would only be refused again.
      if (err instanceof DomainError) return { skipped: err.message };
      throw err;
    }
    const title = cleanTitle(answer);
    if (!title) return { skipped: 'empty answer' };
    const current = await this.repo.find(tenantId, sessionId);
    if (!current || !isDefaultTitle(current.title)) return { skipped: 'already titled' };
    await this.sessions.touch(tenantId, sessionId, { title });
    this.logger.debug({ sessionId, title }, 'session titled');
    return { title };
  }
}
