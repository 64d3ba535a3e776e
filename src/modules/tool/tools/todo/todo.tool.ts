import { z } from 'zod';
import { defineTool } from '../../tool.define';
import { ToolError } from '../../tool.types';

const TodoSchema = z.object({
  content: z.string().min(1).describe('What to do, as a short imperative sentence'),
  status: z.enum(['pending', 'in_progress', 'completed', 'cancelled']),
  priority: z.enum(['high', 'medium', 'low']),
});

export const TodoWriteParameters = z.object({
  todos: z.array(TodoSchema).max(200).describe('The whole updated list; it replaces the previous one'),
});

export const todoWriteTool = defineTool({
  id: 'todowrite',
  description:
    'Keep a short task list for the current piece of work. Send the whole list each time: it replaces the previous one. ' +
    'Use it for work with several steps; mark one item in_progress at a time and completed as soon as it is done.',
  parameters: TodoWriteParameters,
  async execute(args, ctx) {
    if (!ctx.services?.setTodos) throw new ToolError('The task list is not available in this session.');
    await ctx.services.setTodos(args.todos);
    const open = args.todos.filter((t) => t.status !== 'completed' && t.status !== 'cancelled').length;
    return { title: `${open} todos`, output: JSON.stringify(args.todos, null, 2), metadata: { todos: args.todos } };
  },
});

export const todoReadTool = defineTool({
  id: 'todoread',
  description: 'Read the current task list of this session.',
  parameters: z.object({}),
  async execute(_args, ctx) {
    if (!ctx.services?.getTodos) throw new ToolError('The task list is not available in this session.');
    const todos = await ctx.services.getTodos();
    const open = todos.filter((t) => t.status !== 'completed' && t.status !== 'cancelled').length;
    return { title: `${open} todos`, output: JSON.stringify(todos, null, 2), metadata: { todos } };
  },
});
