import { eventStream } from '../../provider/event-stream';
import type { EventStream, StreamEvent } from '../../provider/provider.types';
import type { MessageWithParts } from '../session.types';

/** What a step streams: an LLM call (LlmTurn), or the user's own subtask standing in for one. */
/** `recorded`: the call's usage writes, when its stream's end does not wait for them (LlmCallInput.settleAfter). */
export type StepCall = EventStream & { partId?: string; readonly recorded?: Promise<void> };

/**
 * A `subtask` part runs as a task (OpenCode's loop runs the task tool directly, without asking the model): the turn's
 * first step streams the task calls itself, and they go through the step's tools like a model's call — the `task`
 * tool offered to the agent, the permission layers, the child session's rules. The next step is the model's.
 */
export function subtaskCall(user: MessageWithParts, history: MessageWithParts[]): (() => StepCall) | undefined {
  const subtasks = user.parts.flatMap((p) => (p.type === 'subtask' ? [p] : []));
  if (!subtasks.length) return undefined;
  if (history.some((m) => m.info.role === 'assistant' && m.info.parentID === user.info.id)) return undefined;
  return () =>
    eventStream(async (sink) => {
      const events: StreamEvent[] = subtasks.map((s) => {
        const input = {
          description: s.description,
          prompt: s.prompt,
          subagent_type: s.agent,
          ...(s.command ? { command: s.command } : {}),
        };
        return { type: 'tool-call', id: `call_${s.id}`, name: 'task', input: JSON.stringify(input) };
      });
      events.push({
        type: 'finish',
        reason: 'tool-calls',
        usage: { input: 0, output: 0, reasoning: 0, cacheRead: 0, cacheWrite: 0 },
      });
      await sink(events);
    });
}
