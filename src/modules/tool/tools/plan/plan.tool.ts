import { z } from 'zod';
import { defineTool } from '../../tool.define';
import { ToolError, type ToolContext } from '../../tool.types';
import { PLAN_ENTER_DESCRIPTION, PLAN_EXIT_DESCRIPTION } from './plan.prompt';

/** Services the plan tools use, offered through TOOL_SERVICE_SOURCES by the agent-tools module. */
export interface PlanToolServices {
  askQuestions?(questions: unknown[], callID?: string): Promise<string[][]>;
  /** Adds a user message addressed to `agent`; the loop's next step runs as that agent. */
  switchAgent?(agent: string, text: string): Promise<void>;
  planFile?(): string;
}

const YES = 'Yes';
const NO = 'No';

async function confirm(ctx: ToolContext, header: string, question: string, yes: string, no: string): Promise<boolean> {
  const services = ctx.services as PlanToolServices | undefined;
  if (!services?.askQuestions || !services.switchAgent || !services.planFile)
    throw new ToolError('Switching agents is not available in this session.');
  const [answer] = await services.askQuestions(
    [
      {
        header,
        question,
        options: [
          { label: YES, description: yes },
          { label: NO, description: no },
        ],
      },
    ],
    ctx.callId,
  );
  return answer?.[0] === YES;
}

export const planEnterTool = defineTool({
  id: 'plan_enter',
  description: PLAN_ENTER_DESCRIPTION,
  parameters: z.object({}),
  async execute(_args, ctx) {
    const services = ctx.services as PlanToolServices;
    const ok = await confirm(
      ctx,
      'Plan first?',
      'Switch to the plan agent to research and write a plan before changing anything?',
      'Switch to the plan agent',
      'Keep working with the current agent',
    );
    if (!ok)
      return {
        title: 'Stayed in build mode',
        output: 'The user chose to keep working without a separate plan. Continue with the task.',
        metadata: { switched: false },
      };
    const file = services.planFile!();
    await services.switchAgent!(
      'plan',
      `The user switched to plan mode. Study the task and write the plan to ${file}; do not change other files.`,
    );
    return {
      title: 'Switched to plan mode',
      output: `The user agreed. Planning continues with the plan agent; the plan goes to ${file}.`,
      metadata: { switched: true, planFile: file },
    };
  },
});

export const planExitTool = defineTool({
  id: 'plan_exit',
  description: PLAN_EXIT_DESCRIPTION,
  parameters: z.object({}),
  async execute(_args, ctx) {
    const services = ctx.services as PlanToolServices;
    const file = services?.planFile?.() ?? '.opencode/plans';
    const ok = await confirm(
      ctx,
      'Build the plan?',
      `The plan is in ${file}. Switch to the build agent and carry it out?`,
      'Approve the plan and start building',
      'Keep planning',
    );
    if (!ok)
      return {
        title: 'Kept planning',
        output: 'The user wants to keep planning. Ask what should change in the plan.',
        metadata: { switched: false },
      };
    await services.switchAgent!(
      'build',
      `The plan at ${file} has been approved, you can now edit files. Carry out the plan.`,
    );
    return {
      title: 'Plan approved',
      output: `The plan at ${file} was approved; the build agent carries it out next.`,
      metadata: { switched: true, planFile: file },
    };
  },
});
