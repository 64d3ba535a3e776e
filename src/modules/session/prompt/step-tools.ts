import { newId } from '../../../core/ids';
import { settlesWithin } from '../../../core/lifecycle/settles-within';
import { stopsLoop } from '../../permission/permission.errors';
import type { StreamEvent } from '../../provider/provider.types';
import { mayWrite } from '../../snapshot/snapshot.service';
import type { RegisteredTool } from '../../tool/tool.registry';
import { inSpan } from '../../../infra/telemetry/tracing';
import type { ToolResult } from '../../tool/tool.types';
import type { PartInfo, ToolState } from '../session.types';
import { AbortedError, type StepInput, type ToolPart } from './step-sink';

const DOOM_LOOP = 3;

/** How the tools of a step add and store their parts: through the processor, which batches its writes. */
export interface StepPartWriter {
  add(fields: Partial<PartInfo>): Promise<PartInfo>;
  save(part: PartInfo): Promise<void>;
}

/**
 * The tool calls of one model step: each runs as soon as its call is complete, while the stream goes on. Names in
 * the wrong case are repaired; unknown tools and bad JSON go to the `invalid` tool; the same call three times in a
 * turn asks the `doom_loop` permission first.
 */
export class StepTools {
  readonly byCall = new Map<string, ToolPart>();
  private readonly running: Promise<void>[] = [];
  /** A tool's refusal (a rejected permission, a question dismissed) ends the loop after this step. */
  stopAfterStep = false;

  constructor(
    private readonly input: StepInput,
    private readonly parts: StepPartWriter,
  ) {}

  async inputStart(ev: Extract<StreamEvent, { type: 'tool-input-start' }>): Promise<void> {
    const part = (await this.parts.add({
      type: 'tool',
      callID: ev.id,
      tool: ev.name,
      state: { status: 'pending', input: {}, raw: '' },
    } as Partial<PartInfo>)) as ToolPart;
    this.byCall.set(ev.id, part);
  }

  inputDelta(ev: Extract<StreamEvent, { type: 'tool-input-delta' }>): void {
    const part = this.byCall.get(ev.id);
    if (part?.state.status === 'pending') part.state.raw += ev.delta;
  }

  async call(ev: Extract<StreamEvent, { type: 'tool-call' }>): Promise<void> {
    let part = this.byCall.get(ev.id);
    if (!part) {
      part = (await this.parts.add({
        type: 'tool',
        callID: ev.id,
        tool: ev.name,
        state: { status: 'pending', input: {}, raw: ev.input },
      } as Partial<PartInfo>)) as ToolPart;
      this.byCall.set(ev.id, part);
    }
    if (ev.providerMetadata) part.metadata = ev.providerMetadata;
    let input: Record<string, unknown> = {};
    let parseError: string | undefined;
    try {
      const parsed = ev.input.trim() ? JSON.parse(ev.input) : {};
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) input = parsed;
      else parseError = 'Tool arguments must be a JSON object';
    } catch (err) {
      parseError = `Tool arguments are not valid JSON: ${(err as Error).message}`;
    }
    const tools = this.input.tools;
    let tool = tools.get(ev.name) ?? [...tools.values()].find((t) => t.id.toLowerCase() === ev.name.toLowerCase());
    if (parseError || !tool) {
      const reason = parseError ?? `Unknown tool "${ev.name}". Available tools: ${[...tools.keys()].join(', ')}`;
      input = { tool: ev.name, error: reason };
      tool = tools.get('invalid');
      if (!tool) {
        part.state = { status: 'error', input, error: reason, time: { start: Date.now(), end: Date.now() } };
        await this.parts.save(part);
        return;
      }
    }
    const started = Date.now();
    if (mayWrite(tool.id)) this.input.sink.snapshots?.markChanged();
    part.state = { status: 'running', input, time: { start: started } };
    await this.parts.save(part);
    const serialized = JSON.stringify(input);
    const recent = this.input.sink.recentToolCalls().slice(-(DOOM_LOOP - 1));
    const doomLoop =
      recent.length === DOOM_LOOP - 1 && recent.every((c) => c.tool === ev.name && c.input === serialized);
    this.running.push(this.execute(part, tool, input, started, doomLoop));
  }

  /** Every tool of the step has finished (completed or failed). */
  async settled(): Promise<void> {
    await Promise.all(this.running);
  }

  /** Waits briefly for running tools, then marks what is still open as interrupted. */
  async interrupt(aborted: boolean): Promise<void> {
    await settlesWithin(Promise.allSettled(this.running), 250);
    for (const part of this.byCall.values()) {
      if (part.state.status !== 'pending' && part.state.status !== 'running') continue;
      const start = part.state.status === 'running' ? part.state.time.start : Date.now();
      part.state = {
        status: 'error',
        input: part.state.input,
        error: aborted ? 'Tool execution aborted' : 'Tool execution failed',
        metadata: { interrupted: true },
        time: { start, end: Date.now() },
      };
      await this.parts.save(part);
    }
  }

  /** A retried attempt starts clean: its tools are waited for and forgotten. */
  async discard(): Promise<void> {
    await Promise.allSettled(this.running);
    this.running.length = 0;
    this.byCall.clear();
  }

  private async execute(
    part: ToolPart,
    tool: RegisteredTool,
    input: Record<string, unknown>,
    started: number,
    doomLoop: boolean,
  ): Promise<void> {
    const { sink, signal } = this.input;
    const ctx = sink.toolContext(part, signal);
    try {
      if (doomLoop)
        await ctx.ask({
          permission: 'doom_loop',
          patterns: [part.tool],
          always: [part.tool],
          metadata: { tool: part.tool, input },
        });
      const result: ToolResult = await inSpan(`tool ${tool.id}`, { 'opencode.tool': tool.id }, () =>
        tool.execute(input, ctx),
      );
      if (signal.aborted) throw new AbortedError();
      const attachments = result.attachments?.map((a) => ({
        id: newId('part'),
        sessionID: part.sessionID,
        messageID: part.messageID,
        type: 'file' as const,
        mime: a.mime,
        url: a.url,
        ...(a.filename ? { filename: a.filename } : {}),
      }));
      part.state = {
        status: 'completed',
        input,
        output: result.output,
        title: result.title,
        metadata: result.metadata,
        time: { start: started, end: Date.now() },
        ...(attachments?.length ? { attachments } : {}),
      } as ToolState;
    } catch (err) {
      if (stopsLoop(err)) this.stopAfterStep = true;
      const interrupted = signal.aborted;
      const running = part.state.status === 'running' ? part.state : undefined;
      part.state = {
        status: 'error',
        input,
        error: interrupted ? 'Tool execution aborted' : (err as Error).message || String(err),
        ...(interrupted || running?.metadata
          ? { metadata: { ...(running?.metadata ?? {}), ...(interrupted ? { interrupted: true } : {}) } }
          : {}),
        time: { start: started, end: Date.now() },
      };
    }
    await this.parts.save(part);
  }
}
