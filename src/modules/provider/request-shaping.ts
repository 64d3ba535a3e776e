import type { ApiModel } from './models/catalogue.schema';
import type { StreamRequest } from './provider.types';

// OpenCode's per-call request parameters (processor.ts + transform.ts): sampling defaults by model family,
// the output cap, provider-option layering (provider defaults ← model ← agent ← variant) and routing headers.

const MAX_OUTPUT_CAP = 32_000;

export interface ShapeInput {
  model: ApiModel;
  sessionId: string;
  parentSessionId?: string;
  projectId?: string;
  requestId?: string;
  agent?: { temperature?: number; topP?: number; options?: Record<string, unknown> };
  /** Selected variant name (`low`, `high`, `max`, or a config-defined one). */
  variant?: string;
}

export type ShapedParams = Pick<
  StreamRequest,
  'temperature' | 'topP' | 'topK' | 'maxOutputTokens' | 'providerOptions' | 'headers'
>;

type Family = 'openai' | 'anthropic' | 'google' | 'bedrock' | 'sap' | 'other';

function familyOf(model: ApiModel): Family {
  const npm = model.api.npm;
  if (npm === '@ai-sdk/openai' || npm === '@ai-sdk/azure') return 'openai';
  if (
    npm === '@ai-sdk/anthropic' ||
    npm === '@ai-sdk/google-vertex/anthropic' ||
    (npm === '@ai-sdk/google-vertex' && model.api.id.includes('claude'))
  )
    return 'anthropic';
  if (npm === '@ai-sdk/amazon-bedrock') return 'bedrock';
  if (npm === '@jerome-benoit/sap-ai-provider-v2') return 'sap';
  if (npm === '@ai-sdk/google' || npm === '@ai-sdk/google-vertex') return 'google';
  return 'other';
}

/** Family defaults OpenCode applies when the agent sets no temperature. */
export function defaultTemperature(model: ApiModel): number | undefined {
  const id = model.api.id.toLowerCase();
  if (id.includes('qwen')) return 0.55;
  if (id.includes('gemini') || id.includes('glm') || id.includes('minimax')) return 1.0;
  if (id.includes('kimi-k2')) return id.includes('thinking') ? 1.0 : 0.6;
  return undefined;
}

function defaultTopP(model: ApiModel): number | undefined {
  const id = model.api.id.toLowerCase();
  if (id.includes('gemini')) return 0.95;
  if (id.includes('qwen')) return 1;
  return undefined;
}

function defaultTopK(model: ApiModel): number | undefined {
  return model.api.id.toLowerCase().includes('gemini') ? 64 : undefined;
}

function providerDefaults(model: ApiModel, sessionId: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const family = familyOf(model);
  if (family === 'openai') {
    out.promptCacheKey = sessionId;
    if (model.capabilities.reasoning) {
      out.reasoningEffort = 'medium';
      out.reasoningSummary = 'auto';
    }
  }
  if (family === 'google' && model.capabilities.reasoning) out.thinkingConfig = { includeThoughts: true };
  if (typeof model.capabilities.interleaved === 'object')
    out.interleaved = { field: model.capabilities.interleaved.field };
  return out;
}

/** Built-in reasoning presets per family, merged under any `variants` the catalogue or config defines. */
export function variantsFor(model: ApiModel): Record<string, Record<string, unknown>> {
  const builtIn: Record<string, Record<string, unknown>> = {};
  if (model.capabilities.reasoning) {
    const family = familyOf(model);
    if (family === 'openai' || family === 'other')
      for (const effort of ['low', 'medium', 'high']) builtIn[effort] = { reasoningEffort: effort };
    if (family === 'anthropic') {
      builtIn.high = { thinking: { type: 'enabled', budget_tokens: 16_000 } };
      builtIn.max = { thinking: { type: 'enabled', budget_tokens: 31_999 } };
    }
    // SAP's orchestration takes model parameters as they are (OpenCode's SAP provider does the same).
    if (family === 'sap')
      for (const effort of ['low', 'medium', 'high']) builtIn[effort] = { modelParams: { reasoning_effort: effort } };
    if (family === 'bedrock' && model.api.id.includes('anthropic.claude')) {
      builtIn.high = { reasoningConfig: { type: 'enabled', budgetTokens: 16_000 } };
      builtIn.max = { reasoningConfig: { type: 'enabled', budgetTokens: 31_999 } };
    } else if (family === 'bedrock' && model.api.id.includes('amazon.nova')) {
      for (const effort of ['low', 'medium', 'high'])
        builtIn[effort] = { reasoningConfig: { type: 'enabled', maxReasoningEffort: effort } };
    }
    if (family === 'google') {
      builtIn.high = { thinkingConfig: { includeThoughts: true, thinkingBudget: 16_000 } };
      builtIn.max = { thinkingConfig: { includeThoughts: true, thinkingBudget: 24_576 } };
    }
  }
  const configured = Object.fromEntries(
    Object.entries(model.variants ?? {})
      .filter(([, v]) => v.disabled !== true)
      .map(([k, v]) => [k, Object.fromEntries(Object.entries(v).filter(([key]) => key !== 'disabled'))]),
  );
  for (const [name, v] of Object.entries(model.variants ?? {})) if (v.disabled === true) delete builtIn[name];
  return { ...builtIn, ...configured };
}

function mergeDeep(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] =
      prev &&
      value &&
      typeof prev === 'object' &&
      typeof value === 'object' &&
      !Array.isArray(prev) &&
      !Array.isArray(value)
        ? mergeDeep(prev as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}

export function shapeRequest(input: ShapeInput): ShapedParams {
  const { model } = input;
  const temperature = model.capabilities.temperature
    ? (input.agent?.temperature ?? defaultTemperature(model))
    : undefined;
  const topP = input.agent?.topP ?? defaultTopP(model);
  const topK = defaultTopK(model);
  const maxOutputTokens = model.limit.output > 0 ? Math.min(model.limit.output, MAX_OUTPUT_CAP) : undefined;
  let options = providerDefaults(model, input.sessionId);
  options = mergeDeep(options, model.options ?? {});
  options = mergeDeep(options, input.agent?.options ?? {});
  if (input.variant) options = mergeDeep(options, variantsFor(model)[input.variant] ?? {});
  // Anthropic refuses sampling parameters alongside extended thinking.
  const thinking = (options.thinking as { type?: string } | undefined)?.type === 'enabled';
  const headers: Record<string, string> = {};
  if (model.providerID.startsWith('opencode')) {
    headers['x-opencode-session'] = input.sessionId;
    if (input.requestId) headers['x-opencode-request'] = input.requestId;
    if (input.projectId) headers['x-opencode-project'] = input.projectId;
  } else {
    headers['x-session-affinity'] = input.sessionId;
    if (input.parentSessionId) headers['x-parent-session-id'] = input.parentSessionId;
  }
  return {
    ...(temperature !== undefined && !thinking ? { temperature } : {}),
    ...(topP !== undefined && !thinking ? { topP } : {}),
    ...(topK !== undefined ? { topK } : {}),
    ...(maxOutputTokens !== undefined ? { maxOutputTokens } : {}),
    providerOptions: options,
    headers: { ...model.headers, ...headers },
  };
}

type Modality = keyof ApiModel['capabilities']['input'];

function modalityOf(mime: string): Modality | undefined {
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('audio/')) return 'audio';
  if (mime.startsWith('video/')) return 'video';
  if (mime === 'application/pdf') return 'pdf';
  return undefined;
}

/**
 * Files the model cannot take (images for a text-only model, PDFs, audio ...) become a text note telling
 * the model what happened, so it can tell the user instead of the provider rejecting the whole request.
 */
export function dropUnsupportedMedia(messages: StreamRequest['messages'], model: ApiModel): StreamRequest['messages'] {
  const supported = (mime: string) => {
    const modality = modalityOf(mime);
    return !modality || model.capabilities.input[modality];
  };
  const note = (file: { mime: string; filename?: string }) =>
    `[The attached file ${file.filename ?? '(unnamed)'} (${file.mime}) was not sent: model ${model.id} does not accept ${modalityOf(file.mime)} input. Tell the user.]`;
  return messages.map((message) => {
    if (message.role === 'user') {
      return {
        ...message,
        content: message.content.map((part) =>
          part.type === 'file' && !supported(part.mime) ? { type: 'text' as const, text: note(part) } : part,
        ),
      };
    }
    if (message.role === 'tool') {
      return {
        ...message,
        content: message.content.map((result) => {
          const dropped = (result.attachments ?? []).filter((a) => !supported(a.mime));
          if (!dropped.length) return result;
          return {
            ...result,
            output: [result.output, ...dropped.map(note)].join('\n'),
            attachments: result.attachments!.filter((a) => supported(a.mime)),
          };
        }),
      };
    }
    return message;
  });
}
