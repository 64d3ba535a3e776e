import { z } from 'zod';
import { defineTool } from '../../tool.define';
import { ToolError } from '../../tool.types';
import { TASK_DESCRIPTION } from './task.prompt';

export const TaskParametersSchema = z.object({
  description: z.string().min(1).max(200).describe('A short (3-5 words) description of the task'),
  prompt: z.string().min(1).describe('The full task for the subagent, with all the context it needs'),
  subagent_type: z.string().min(1).describe('Which subagent runs the task'),
  task_id: z.string().optional().describe('Continue an earlier task (its session id) instead of starting a new one'),
  command: z.string().optional().describe('The command that triggered this task, if any'),
});

type RunSubagent = (input: {
  description: string;
  prompt: string;
  agent: string;
  taskId?: string;
}) => Promise<{ sessionId: string; text: string; model?: unknown }>;

/** `task`: runs a subagent in a child session and returns its final answer. */
export const taskTool = defineTool({
  id: 'task',
  description: TASK_DESCRIPTION,
  parameters: TaskParametersSchema,
  async execute(args, ctx) {
    const run = ctx.services?.runSubagent as RunSubagent | undefined;
    if (!run) throw new ToolError('Subagents are not available in this session.');
    await ctx.ask({
      permission: 'task',
      patterns: [args.subagent_type],
      always: ['*'],
      metadata: { description: args.subagent_type, subagent_type: args.subagent_type },
    });
    ctx.metadata({ title: args.description, metadata: { subagent: args.subagent_type } });
    const result = await run({
      description: args.description,
      prompt: args.prompt,
      agent: args.subagent_type,
      ...(args.task_id ? { taskId: args.task_id } : {}),
    });
    const output = `<task id="${result.sessionId}" state="completed">\n<task_result>\n${result.text}\n</task_result>\n</task>`;
    return {
      title: args.description,
      output,
      metadata: {
        sessionId: result.sessionId,
        parentSessionId: ctx.sessionId,
        ...(result.model ? { model: result.model } : {}),
      },
    };
  },
});
