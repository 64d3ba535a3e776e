// What kind of call the product made, read from a request the fake recorded. Titles and compaction summaries run
// beside the agent loop and take scripted replies too, so specs script and count the loop's calls with these.
// Defined once for every harness: when the title or summary prompt changes, only this file follows.

/** A recorded request, or anything shaped like one (some harnesses keep only the parsed body). */
export interface RequestLike {
  body: unknown;
  rawBody?: string;
}

const textOf = (r: RequestLike) => r.rawBody ?? JSON.stringify(r.body);

/** The session-title call (its prompt: src/modules/agent/prompt/title.prompt.ts). */
export const isTitleRequest = (r: RequestLike): boolean =>
  textOf(r).includes('Write a title for the following conversation');

/** A compaction summary call (its prompt asks for an anchored summary). */
export const isSummaryRequest = (r: RequestLike): boolean => textOf(r).includes('anchored summary');

type ToolEntry = { name?: string; function?: { name: string }; toolSpec?: { name: string } };

/** The tool names offered to the model, sorted (OpenAI `function.name`, Anthropic `name`, Bedrock `toolSpec.name`). */
export function toolNames(body: unknown): string[] {
  const b = body as { tools?: ToolEntry[]; toolConfig?: { tools?: ToolEntry[] } } | undefined;
  const tools = (b?.tools ?? b?.toolConfig?.tools ?? []).map(
    (tool) => tool.function?.name ?? tool.toolSpec?.name ?? tool.name ?? '',
  );
  return tools.sort();
}
