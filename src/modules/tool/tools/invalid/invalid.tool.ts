import { z } from 'zod';
import { defineTool } from '../../tool.define';
import { INVALID_DESCRIPTION } from './invalid.prompt';

export const InvalidParameters = z.object({
  tool: z.string().describe('Name of the tool the model tried to call'),
  error: z.string().describe('Why the call could not be run'),
});

/** The loop routes unparseable or unknown tool calls here so the model reads why and can try again. */
export const invalidTool = defineTool({
  id: 'invalid',
  description: INVALID_DESCRIPTION,
  parameters: InvalidParameters,
  async execute(args) {
    return {
      title: 'Invalid Tool',
      output: `The call to the "${args.tool}" tool could not be run: ${args.error}\nCheck the tool name and its parameters, then try again.`,
      metadata: { tool: args.tool, error: args.error },
    };
  },
});
