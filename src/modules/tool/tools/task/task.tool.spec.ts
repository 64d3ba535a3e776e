import { makeSandbox, makeToolContext, type Sandbox } from '../../../workspace/tool-context.fixture';
import { PermissionDeniedError } from '../../../permission/permission.errors';
import { taskTool } from './task.tool';
import { finalText } from '../../../session/agent-tools/task.service';

describe('task tool', () => {
  let sb: Sandbox;
  beforeAll(async () => (sb = await makeSandbox()));
  afterAll(() => sb.cleanup());

  it('asks `task` for the subagent, runs it and wraps the result in a <task> block', async () => {
    const ctx = makeToolContext(sb.ws);
    const runs: unknown[] = [];
    ctx.services = {
      runSubagent: async (input) => (runs.push(input), { sessionId: 'ses_child', text: 'It is in main.py' }),
    };
    const result = await taskTool.execute({ description: 'Find it', prompt: 'Where?', subagent_type: 'explore' }, ctx);
    expect(ctx.asks).toEqual([expect.objectContaining({ permission: 'task', patterns: ['explore'] })]);
    expect(runs).toEqual([{ description: 'Find it', prompt: 'Where?', agent: 'explore' }]);
    expect(result.output).toBe(
      '<task id="ses_child" state="completed">\n<task_result>\nIt is in main.py\n</task_result>\n</task>',
    );
    expect(result.metadata).toMatchObject({ sessionId: 'ses_child', parentSessionId: 'ses_test' });
  });

  it('never starts the subagent when the ask is denied', async () => {
    const ctx = makeToolContext(sb.ws, { reject: () => new PermissionDeniedError('task', ['general'], []) });
    let ran = false;
    ctx.services = { runSubagent: async () => ((ran = true), { sessionId: 'x', text: '' }) };
    await expect(taskTool.execute({ description: 'd', prompt: 'p', subagent_type: 'general' }, ctx)).rejects.toThrow(
      PermissionDeniedError,
    );
    expect(ran).toBe(false);
  });

  it('passes task_id through to resume a task', async () => {
    const ctx = makeToolContext(sb.ws);
    const runs: { taskId?: string }[] = [];
    ctx.services = { runSubagent: async (input) => (runs.push(input), { sessionId: 'ses_old', text: 'more' }) };
    await taskTool.execute({ description: 'd', prompt: 'p', subagent_type: 'general', task_id: 'ses_old' }, ctx);
    expect(runs[0].taskId).toBe('ses_old');
  });

  it('finalText takes the last non-synthetic text part', () => {
    const parts = [
      { type: 'text', text: 'first' },
      { type: 'tool' },
      { type: 'text', text: 'last' },
      { type: 'text', text: 'note', synthetic: true },
    ];
    expect(finalText({ info: {}, parts } as never)).toBe('last');
    expect(finalText(undefined)).toBe('');
  });
});
