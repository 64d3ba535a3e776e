import {
  BUILD_SWITCH_REMINDER,
  PLAN_MODE_REMINDER,
  queuedUserMessageReminder,
} from '../../agent/prompt/reminders.prompt';
import type { MessageWithParts, PartInfo } from '../session.types';

/**
 * The <system-reminder> texts OpenCode adds to what the model sees (never stored): plan mode on the last user
 * message while the plan agent works, the switch to build once after plan, and user messages that arrived while
 * the agent was already working (after the last finished step). Returns a new history; the input is unchanged.
 */
export function withReminders(history: MessageWithParts[], opts: { agent: string; step: number }): MessageWithParts[] {
  const lastUserIndex = history.findLastIndex((m) => m.info.role === 'user');
  if (lastUserIndex < 0) return history;
  const out = [...history];
  const extra: string[] = [];
  if (opts.agent === 'plan') extra.push(PLAN_MODE_REMINDER);
  const previousAssistant = history.slice(0, lastUserIndex).findLast((m) => m.info.role === 'assistant');
  if (opts.agent === 'build' && previousAssistant?.info.role === 'assistant' && previousAssistant.info.agent === 'plan')
    extra.push(BUILD_SWITCH_REMINDER);
  if (extra.length) {
    const user = out[lastUserIndex];
    const synthetic = extra.map((text, i): PartInfo => ({
      id: `${user.info.id}-reminder-${i}`,
      sessionID: user.info.sessionID,
      messageID: user.info.id,
      type: 'text',
      text,
      synthetic: true,
    }));
    out[lastUserIndex] = { ...user, parts: [...user.parts, ...synthetic] };
  }
  if (opts.step > 1) {
    const lastFinished = history.findLast((m) => m.info.role === 'assistant' && !!m.info.finish);
    if (lastFinished) {
      for (let i = 0; i < out.length; i++) {
        const m = out[i];
        if (m.info.role !== 'user' || m.info.id <= lastFinished.info.id) continue;
        out[i] = {
          ...m,
          parts: m.parts.map((p) =>
            p.type === 'text' && !p.synthetic && !p.ignored && p.text.trim()
              ? { ...p, text: queuedUserMessageReminder(p.text) }
              : p,
          ),
        };
      }
    }
  }
  return out;
}
