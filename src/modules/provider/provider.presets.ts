import type { z } from 'zod';
import { providerPresetSchema, type AdapterKind, type ProviderPreset } from './provider-preset.schema';

// Every provider OpenCode knows how to connect, reduced to what our adapters need: which wire format,
// where it lives, how the key travels and which env vars carry it. Model lists live in the catalogue.

export {
  adapterKindSchema,
  providerPresetSchema,
  type AdapterKind,
  type ProviderPreset,
} from './provider-preset.schema';
type PresetInput = z.input<typeof providerPresetSchema>;

const compat = (p: Omit<PresetInput, 'adapter' | 'npm'> & { npm?: string }): PresetInput => ({
  adapter: 'openai-chat',
  npm: '@ai-sdk/openai-compatible',
  ...p,
});

const RAW: PresetInput[] = [
  {
    id: 'openai',
    name: 'OpenAI',
    adapter: 'openai-responses',
    npm: '@ai-sdk/openai',
    baseURL: 'https://api.openai.com/v1',
    env: ['OPENAI_API_KEY'],
    quirks: ['Responses API with store:false; reasoning is round-tripped as encrypted content.'],
  },
  {
    id: 'anthropic',
    name: 'Anthropic',
    adapter: 'anthropic',
    npm: '@ai-sdk/anthropic',
    baseURL: 'https://api.anthropic.com',
    env: ['ANTHROPIC_API_KEY'],
    headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14,fine-grained-tool-streaming-2025-05-14' },
    quirks: [
      'Prompt-cache breakpoints on the first 2 system blocks and last 2 messages.',
      'Thinking blocks must be sent back with their signature.',
    ],
  },
  {
    id: 'google',
    name: 'Google',
    adapter: 'google',
    npm: '@ai-sdk/google',
    baseURL: 'https://generativelanguage.googleapis.com',
    env: ['GEMINI_API_KEY', 'GOOGLE_GENERATIVE_AI_API_KEY', 'GOOGLE_API_KEY'],
    auth: 'x-goog-api-key',
    adapterOptions: { apiVersion: 'v1beta' },
    quirks: [
      'Function calls arrive whole (no streamed arguments).',
      'Gemini 3 needs thought signatures replayed on function-call parts.',
    ],
  },
  {
    id: 'google-vertex',
    name: 'Vertex',
    adapter: 'google-vertex',
    npm: '@ai-sdk/google-vertex',
    baseURL: 'https://{location}-aiplatform.googleapis.com',
    env: ['GOOGLE_VERTEX_API_KEY'],
    vars: {
      project: ['GOOGLE_VERTEX_PROJECT', 'GOOGLE_CLOUD_PROJECT', 'GCP_PROJECT'],
      location: ['GOOGLE_VERTEX_LOCATION', 'GOOGLE_CLOUD_LOCATION', 'VERTEX_LOCATION'],
    },
    keyRequired: false,
    quirks: [
      'Express mode with an API key, or service-account credentials (options.credentials) through google-auth-library; ambient ADC files are not read.',
    ],
  },
  {
    id: 'google-vertex-anthropic',
    name: 'Vertex (Anthropic)',
    adapter: 'anthropic-vertex',
    npm: '@ai-sdk/google-vertex/anthropic',
    baseURL: 'https://aiplatform.googleapis.com/v1',
    env: [],
    vars: {
      project: ['GOOGLE_VERTEX_PROJECT', 'GOOGLE_CLOUD_PROJECT', 'GCP_PROJECT'],
      location: ['GOOGLE_VERTEX_LOCATION', 'GOOGLE_CLOUD_LOCATION', 'VERTEX_LOCATION'],
    },
    keyRequired: false,
    quirks: [
      'Claude on Vertex (:streamRawPredict) through @anthropic-ai/vertex-sdk with a service-account JSON key: the stored key (PUT /auth, the JSON text as `key`) or options.credentials in the platform config. Location defaults to `global`.',
    ],
  },
  {
    id: 'azure',
    name: 'Azure',
    adapter: 'openai-chat',
    npm: '@ai-sdk/azure',
    baseURL: 'https://{resourceName}.openai.azure.com/openai/v1',
    env: ['AZURE_API_KEY', 'AZURE_OPENAI_API_KEY'],
    vars: { resourceName: ['AZURE_RESOURCE_NAME'] },
    auth: 'api-key',
    adapterOptions: { maxTokensField: 'max_completion_tokens' },
    quirks: [
      'Model id is the deployment name.',
      'The v1 endpoint needs no api-version; set options.query for older deployments.',
    ],
  },
  {
    id: 'amazon-bedrock',
    name: 'Amazon Bedrock',
    adapter: 'bedrock',
    npm: '@ai-sdk/amazon-bedrock',
    baseURL: 'https://bedrock-runtime.{region}.amazonaws.com',
    env: ['AWS_BEARER_TOKEN_BEDROCK'],
    vars: {
      region: ['AWS_REGION', 'AWS_DEFAULT_REGION'],
      accessKeyId: ['AWS_ACCESS_KEY_ID'],
      secretAccessKey: ['AWS_SECRET_ACCESS_KEY'],
      sessionToken: ['AWS_SESSION_TOKEN'],
    },
    keyRequired: false,
    quirks: [
      'ConverseStream (AWS SDK): an API key (bearer) or a key pair (SigV4; stored: key=secret, metadata {accessKeyId, sessionToken?, region?}); never profiles or instance metadata.',
    ],
  },
  compat({
    id: 'openrouter',
    name: 'OpenRouter',
    npm: '@openrouter/ai-sdk-provider',
    baseURL: 'https://openrouter.ai/api/v1',
    env: ['OPENROUTER_API_KEY'],
    headers: { 'HTTP-Referer': 'https://opencode.ai/', 'X-Title': 'opencode' },
    quirks: ['Reasoning arrives as delta.reasoning; errors can arrive inside a 200 stream.'],
  }),
  compat({ id: 'xai', name: 'xAI', npm: '@ai-sdk/xai', baseURL: 'https://api.x.ai/v1', env: ['XAI_API_KEY'] }),
  compat({
    id: 'mistral',
    name: 'Mistral',
    npm: '@ai-sdk/mistral',
    baseURL: 'https://api.mistral.ai/v1',
    env: ['MISTRAL_API_KEY'],
    adapterOptions: { toolCallIds: 'mistral' },
    quirks: ['Tool call ids must be 9 alphanumeric characters; replayed ids are mapped deterministically.'],
  }),
  compat({
    id: 'groq',
    name: 'Groq',
    npm: '@ai-sdk/groq',
    baseURL: 'https://api.groq.com/openai/v1',
    env: ['GROQ_API_KEY'],
  }),
  compat({
    id: 'deepinfra',
    name: 'Deep Infra',
    npm: '@ai-sdk/deepinfra',
    baseURL: 'https://api.deepinfra.com/v1/openai',
    env: ['DEEPINFRA_API_KEY'],
  }),
  compat({
    id: 'cerebras',
    name: 'Cerebras',
    npm: '@ai-sdk/cerebras',
    baseURL: 'https://api.cerebras.ai/v1',
    env: ['CEREBRAS_API_KEY'],
    headers: { 'X-Cerebras-3rd-Party-Integration': 'opencode' },
  }),
  compat({
    id: 'cohere',
    name: 'Cohere',
    npm: '@ai-sdk/cohere',
    baseURL: 'https://api.cohere.ai/compatibility/v1',
    env: ['COHERE_API_KEY', 'CO_API_KEY'],
    quirks: ["Through Cohere's OpenAI compatibility endpoint, not its native v2 chat API."],
  }),
  compat({
    id: 'togetherai',
    name: 'Together AI',
    npm: '@ai-sdk/togetherai',
    baseURL: 'https://api.together.xyz/v1',
    env: ['TOGETHER_AI_API_KEY', 'TOGETHER_API_KEY'],
  }),
  compat({
    id: 'perplexity',
    name: 'Perplexity',
    npm: '@ai-sdk/perplexity',
    baseURL: 'https://api.perplexity.ai',
    env: ['PERPLEXITY_API_KEY'],
    quirks: ['Sonar models do not accept tools.'],
  }),
  compat({
    id: 'cloudflare-workers-ai',
    name: 'Cloudflare Workers AI',
    baseURL: 'https://api.cloudflare.com/client/v4/accounts/{accountId}/ai/v1',
    env: ['CLOUDFLARE_API_TOKEN', 'CLOUDFLARE_API_KEY'],
    vars: { accountId: ['CLOUDFLARE_ACCOUNT_ID'] },
  }),
  compat({
    id: 'cloudflare-ai-gateway',
    name: 'Cloudflare AI Gateway',
    baseURL: 'https://gateway.ai.cloudflare.com/v1/{accountId}/{gatewayId}/compat',
    env: ['CLOUDFLARE_API_TOKEN'],
    vars: { accountId: ['CLOUDFLARE_ACCOUNT_ID'], gatewayId: ['CLOUDFLARE_GATEWAY_ID'] },
    quirks: ['Model ids are `<provider>/<model>`; the upstream key may be stored in the gateway.'],
  }),
  compat({
    id: 'github-models',
    name: 'GitHub Models',
    baseURL: 'https://models.github.ai/inference',
    env: ['GITHUB_TOKEN'],
  }),
  {
    id: 'github-copilot',
    name: 'GitHub Copilot',
    adapter: 'openai-chat',
    npm: '@ai-sdk/github-copilot',
    baseURL: 'https://api.githubcopilot.com',
    env: [],
    supported: false,
    reason:
      "Copilot is licensed per person: its token belongs to one GitHub account's seat and is exchanged through an editor-only endpoint, so a server answering for a whole school cannot use it (docs/compatibility.md, Copilot and GitLab Duo).",
  },
  {
    id: 'gitlab',
    name: 'GitLab Duo',
    adapter: 'openai-chat',
    npm: 'gitlab-ai-provider',
    env: [],
    supported: false,
    reason:
      "GitLab Duo is licensed per person: its gateway token is issued for one GitLab user's Duo seat, so a server answering for a whole school cannot use it (docs/compatibility.md, Copilot and GitLab Duo).",
  },
  {
    id: 'sap-ai-core',
    name: 'SAP AI Core',
    adapter: 'sap-orchestration',
    npm: '@jerome-benoit/sap-ai-provider-v2',
    env: ['AICORE_SERVICE_KEY'],
    vars: { resourceGroup: ['AICORE_RESOURCE_GROUP'], deploymentId: ['AICORE_DEPLOYMENT_ID'] },
    quirks: [
      'Orchestration service on the SAP AI SDK wire; key = service-key JSON (env, or stored with metadata {resourceGroup?, deploymentId?}); keys not from the platform env go through the egress guard.',
    ],
  },
  compat({
    id: 'vercel',
    name: 'Vercel AI Gateway',
    npm: '@ai-sdk/gateway',
    baseURL: 'https://ai-gateway.vercel.sh/v1',
    env: ['AI_GATEWAY_API_KEY'],
  }),
  compat({
    id: 'deepseek',
    name: 'DeepSeek',
    npm: '@ai-sdk/deepseek',
    baseURL: 'https://api.deepseek.com',
    env: ['DEEPSEEK_API_KEY'],
    quirks: ['Reasoning arrives as reasoning_content.'],
  }),
  compat({
    id: 'fireworks-ai',
    name: 'Fireworks AI',
    baseURL: 'https://api.fireworks.ai/inference/v1',
    env: ['FIREWORKS_API_KEY'],
  }),
  compat({
    id: 'moonshotai',
    name: 'Moonshot AI',
    baseURL: 'https://api.moonshot.ai/v1',
    env: ['MOONSHOT_API_KEY'],
    quirks: ['Kimi thinking models need reasoning_content echoed back (interleaved).'],
  }),
  compat({ id: 'huggingface', name: 'Hugging Face', baseURL: 'https://router.huggingface.co/v1', env: ['HF_TOKEN'] }),
  compat({ id: 'nvidia', name: 'Nvidia', baseURL: 'https://integrate.api.nvidia.com/v1', env: ['NVIDIA_API_KEY'] }),
  compat({
    id: 'litellm',
    name: 'LiteLLM',
    baseURL: 'http://localhost:4000/v1',
    env: ['LITELLM_API_KEY'],
    keyRequired: false,
    quirks: ['A proxy: set options.baseURL to your deployment.'],
  }),
  compat({
    id: 'ollama',
    name: 'Ollama',
    baseURL: 'http://localhost:11434/v1',
    env: [],
    auth: 'none',
    keyRequired: false,
  }),
  compat({
    id: 'lmstudio',
    name: 'LM Studio',
    baseURL: 'http://127.0.0.1:1234/v1',
    env: [],
    auth: 'none',
    keyRequired: false,
  }),
  compat({ id: 'vllm', name: 'vLLM', baseURL: 'http://localhost:8000/v1', env: ['VLLM_API_KEY'], keyRequired: false }),
];

export const PROVIDER_PRESETS: ReadonlyMap<string, ProviderPreset> = new Map(
  RAW.map((p) => [p.id, providerPresetSchema.parse(p)]),
);

/** Config `provider.<id>` with an unknown id (or npm @ai-sdk/openai-compatible): an OpenAI-compatible endpoint. */
export function customPreset(id: string, name?: string, npm?: string): ProviderPreset {
  const adapter: AdapterKind =
    npm === '@ai-sdk/anthropic'
      ? 'anthropic'
      : npm === '@ai-sdk/google'
        ? 'google'
        : npm === '@ai-sdk/openai'
          ? 'openai-responses'
          : 'openai-chat';
  return providerPresetSchema.parse({
    id,
    name: name ?? id,
    adapter,
    npm: npm ?? '@ai-sdk/openai-compatible',
    env: [],
    keyRequired: false,
  });
}

export function getPreset(id: string): ProviderPreset | undefined {
  return PROVIDER_PRESETS.get(id);
}
