import type { McpCommand } from '../mcp.types';
import { mcpEntryKey } from './mcp-naming';

export interface McpListedPrompt {
  name: string;
  title?: string;
  description?: string;
  arguments?: { name: string; description?: string; required?: boolean }[];
}

export interface McpPromptMessage {
  role: string;
  content: { type: string; text?: string; [key: string]: unknown };
}

export type McpPromptGetter = (name: string, args: Record<string, string>) => Promise<{ messages: McpPromptMessage[] }>;

/**
 * OpenCode exposes a prompt as a command named `<server>:<prompt>` whose template is the prompt rendered
 * with `$1`, `$2`, ... as argument values, so the command machinery substitutes the user's arguments.
 */
export function convertMcpPrompt(serverName: string, prompt: McpListedPrompt, get: McpPromptGetter): McpCommand {
  const args = prompt.arguments ?? [];
  const hints = args.map((_, i) => `$${i + 1}`);
  return {
    name: mcpEntryKey(serverName, prompt.name),
    ...(prompt.description ? { description: prompt.description } : {}),
    source: 'mcp',
    hints,
    server: serverName,
    prompt: prompt.name,
    async template() {
      const placeholders = Object.fromEntries(args.map((arg, i) => [arg.name, hints[i]]));
      const result = await get(prompt.name, placeholders);
      return result.messages
        .map((message) =>
          message.content.type === 'text' && typeof message.content.text === 'string' ? message.content.text : '',
        )
        .filter((text) => text.length > 0)
        .join('\n');
    },
  };
}
