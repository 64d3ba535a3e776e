// Composition of the system messages for one loop step, in OpenCode's order: the agent's own prompt (or
// the provider-family prompt when the agent has none), the environment, instruction files, the skills
// list, and finally the system text the client sent with the user message.
import { environmentBlock, type EnvironmentInfo } from './environment-block';
import { instructionBlocks, type InstructionFile } from './instruction-blocks';
import { selectSystemPrompt } from './select-system-prompt';

export interface SystemPromptInput {
  agentPrompt?: string;
  providerId: string;
  environment: EnvironmentInfo;
  instructions?: InstructionFile[];
  /** Pre-rendered list of available skills, when the skill tool is enabled. */
  skills?: string;
  /** `system` field of the user message. */
  userSystem?: string;
}

export function buildSystemPrompt(input: SystemPromptInput): string[] {
  const base = input.agentPrompt?.trim()
    ? input.agentPrompt
    : selectSystemPrompt(input.environment.modelId, input.providerId);
  return [
    base,
    environmentBlock({ providerId: input.providerId, ...input.environment }),
    ...instructionBlocks(input.instructions ?? []),
    ...(input.skills?.trim() ? [input.skills] : []),
    ...(input.userSystem?.trim() ? [input.userSystem] : []),
  ];
}
