import { BUILD_SWITCH_REMINDER, PLAN_MODE_REMINDER } from '../../agent/prompt/reminders.prompt';
import type { MessageWithParts } from '../session.types';
import { withReminders } from './reminders';

const user = (id: string, text: string): MessageWithParts =>
  ({
    info: { id, sessionID: 's', role: 'user' },
    parts: [{ id: `${id}p`, sessionID: 's', messageID: id, type: 'text', text }],
  }) as unknown as MessageWithParts;
const assistant = (id: string, agent: string, finish?: string): MessageWithParts =>
  ({
    info: { id, sessionID: 's', role: 'assistant', agent, ...(finish ? { finish } : {}) },
    parts: [{ id: `${id}p`, sessionID: 's', messageID: id, type: 'text', text: 'ok' }],
  }) as unknown as MessageWithParts;
const texts = (m: MessageWithParts) => m.parts.flatMap((p) => (p.type === 'text' ? [p.text] : []));

describe('withReminders', () => {
  it('adds the plan-mode reminder to the last user message while the plan agent works, without touching the input', () => {
    const history = [user('m1', 'first'), assistant('m2', 'plan', 'stop'), user('m3', 'plan the refactor')];
    const out = withReminders(history, { agent: 'plan', step: 1 });
    expect(texts(out[2])).toEqual(['plan the refactor', PLAN_MODE_REMINDER]);
    expect(texts(out[0])).toEqual(['first']);
    expect(texts(history[2])).toEqual(['plan the refactor']);
  });

  it('tells the build agent once that plan mode is over', () => {
    const switched = withReminders([user('m1', 'plan it'), assistant('m2', 'plan', 'stop'), user('m3', 'go')], {
      agent: 'build',
      step: 1,
    });
    expect(texts(switched[2])).toEqual(['go', BUILD_SWITCH_REMINDER]);
    const later = withReminders(
      [
        user('m1', 'plan it'),
        assistant('m2', 'plan', 'stop'),
        user('m3', 'go'),
        assistant('m4', 'build', 'stop'),
        user('m5', 'more'),
      ],
      { agent: 'build', step: 1 },
    );
    expect(texts(later[4])).toEqual(['more']);
  });

  it('wraps user messages that arrived after the last finished step, from the second step on', () => {
    const history = [
      user('m1', 'fix the tests'),
      assistant('m2', 'build', 'tool-calls'),
      user('m3', 'also update the README'),
    ];
    expect(texts(withReminders(history, { agent: 'build', step: 1 })[2])).toEqual(['also update the README']);
    const [queued] = texts(withReminders(history, { agent: 'build', step: 2 })[2]);
    expect(queued).toContain('<system-reminder>');
    expect(queued).toContain('also update the README');
    expect(texts(withReminders(history, { agent: 'build', step: 2 })[0])).toEqual(['fix the tests']);
  });
});
