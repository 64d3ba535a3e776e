import type { StreamRequest } from '../../provider/provider.types';
import type { RegisteredTool } from '../../tool/tool.registry';
import { ToolError } from '../../tool/tool.types';
import type { AssistantMessageInfo, MessageError, MessageWithParts, PartInfo } from '../session.types';
import { validateAgainst } from './json-schema-check';

export const STRUCTURED_OUTPUT_TOOL = 'StructuredOutput';
export const DEFAULT_STRUCTURED_RETRIES = 2;

/** A prompt's `format` as stored on its user message (OpenCode's OutputFormat). */
export type OutputFormat =
  { type: 'text' } | { type: 'json_schema'; schema: Record<string, unknown>; retryCount: number };

export type JsonSchemaFormat = Extract<OutputFormat, { type: 'json_schema' }>;

export const STRUCTURED_OUTPUT_SYSTEM =
  'IMPORTANT: The user has requested structured output. You MUST use the StructuredOutput tool to provide your ' +
  'final response. Do NOT respond with plain text - you MUST call the StructuredOutput tool with your answer ' +
  'formatted according to the schema.';

const DESCRIPTION = `Use this tool to return your final response in the requested structured format.

IMPORTANT:
- You MUST call this tool exactly once at the end of your response
- The input must be valid JSON matching the required schema
- Complete all necessary research and tool calls BEFORE calling this tool
- This tool provides your final answer - no further actions are taken after calling it`;

export function jsonSchemaFormat(format: unknown): JsonSchemaFormat | undefined {
  const f = format as Partial<JsonSchemaFormat> | undefined;
  return f?.type === 'json_schema' && f.schema ? (f as JsonSchemaFormat) : undefined;
}

/** The tool the model answers through: its input schema is the caller's; an answer that does not match fails. */
export function structuredOutputTool(format: JsonSchemaFormat): RegisteredTool {
  const { $schema: _ignored, ...inputSchema } = format.schema;
  return {
    id: STRUCTURED_OUTPUT_TOOL,
    description: DESCRIPTION,
    inputSchema,
    async execute(args) {
      const check = await validateAgainst(format.schema, args);
      if (!check.ok)
        throw new ToolError(
          `The output does not match the required schema: ${check.message}. Call ${STRUCTURED_OUTPUT_TOOL} again with a corrected answer.`,
        );
      return { title: 'Structured output', output: 'Structured output captured.', metadata: {} };
    },
  };
}

/** Adds the StructuredOutput tool to a step (offered even on the last step), its system line and toolChoice. */
export function withStructuredOutput(
  format: JsonSchemaFormat,
  tools: Map<string, RegisteredTool>,
  request: StreamRequest,
): void {
  const tool = structuredOutputTool(format);
  tools.set(tool.id, tool);
  request.tools = [...request.tools, { name: tool.id, description: tool.description, inputSchema: tool.inputSchema }];
  request.system = [...request.system, STRUCTURED_OUTPUT_SYSTEM];
  request.toolChoice = 'required';
}

type ToolPart = Extract<PartInfo, { type: 'tool' }>;
const structuredParts = (parts: PartInfo[]): ToolPart[] =>
  parts.filter((p): p is ToolPart => p.type === 'tool' && p.tool === STRUCTURED_OUTPUT_TOOL);

export type StructuredOutcome = { structured: unknown } | { error: MessageError } | undefined;

/**
 * After a step of a json_schema turn: the validated answer, or StructuredOutputError once the model stopped
 * without one or its invalid answers used up `retryCount` retries; undefined while the turn goes on.
 */
export function structuredOutcome(
  format: JsonSchemaFormat,
  earlier: MessageWithParts[],
  step: { parts: PartInfo[]; finish?: string },
): StructuredOutcome {
  const done = structuredParts(step.parts).find((p) => p.state.status === 'completed');
  if (done) return { structured: done.state.input };
  const failed = [...earlier.flatMap((m) => m.parts), ...step.parts].filter(
    (p) => p.type === 'tool' && p.tool === STRUCTURED_OUTPUT_TOOL && p.state.status === 'error',
  ).length;
  const error = (message: string): StructuredOutcome => ({
    error: { name: 'StructuredOutputError', data: { message, retries: failed } },
  });
  if (failed > format.retryCount)
    return error(`The model's structured output did not match the schema after ${failed} attempts`);
  if (step.finish && step.finish !== 'tool-calls' && step.finish !== 'unknown')
    return error('Model did not produce structured output');
  return undefined;
}

/**
 * Applies a json_schema turn's outcome after a step: the validated answer on the message (`structured`, finish
 * `stop`) or StructuredOutputError. True when the turn ends here (the caller stores the message).
 */
export function settleStructured(
  format: JsonSchemaFormat,
  assistant: AssistantMessageInfo,
  earlier: MessageWithParts[],
  stepParts: PartInfo[],
): boolean {
  const done = structuredOutcome(format, earlier, { parts: stepParts, finish: assistant.finish });
  if (!done) return false;
  if ('structured' in done) {
    assistant.structured = done.structured;
    assistant.finish = 'stop';
  } else assistant.error = done.error;
  return true;
}
