import { ANTHROPIC_SYSTEM_PROMPT } from './anthropic.prompt';
import { DEFAULT_SYSTEM_PROMPT } from './default.prompt';
import { GEMINI_SYSTEM_PROMPT } from './gemini.prompt';
import { GPT_SYSTEM_PROMPT } from './gpt.prompt';

export type SystemPromptFamily = 'anthropic' | 'gpt' | 'gemini' | 'default';

const PROMPTS: Record<SystemPromptFamily, string> = {
  anthropic: ANTHROPIC_SYSTEM_PROMPT,
  gpt: GPT_SYSTEM_PROMPT,
  gemini: GEMINI_SYSTEM_PROMPT,
  default: DEFAULT_SYSTEM_PROMPT,
};

// Model ids arrive bare (`gpt-5`), vendor-prefixed through routers (`openai/gpt-5`, `anthropic.claude-…`
// on Bedrock) or renamed by a custom provider, so the id is searched rather than prefix-matched.
export function systemPromptFamily(modelId: string, providerId = ''): SystemPromptFamily {
  const id = modelId.toLowerCase();
  if (id.includes('claude')) return 'anthropic';
  if (id.includes('gpt-') || id.includes('codex') || /(^|[/.:])o\d(-|$)/.test(id)) return 'gpt';
  if (id.includes('gemini')) return 'gemini';
  // A custom model name tells nothing, but the vendor's own endpoint does.
  const provider = providerId.toLowerCase();
  if (provider === 'anthropic') return 'anthropic';
  if (provider === 'openai') return 'gpt';
  if (provider === 'google') return 'gemini';
  return 'default';
}

export function selectSystemPrompt(modelId: string, providerId?: string): string {
  return PROMPTS[systemPromptFamily(modelId, providerId)];
}
