import fs from 'node:fs/promises';
import { z } from 'zod';
import { makeSandbox, makeToolContext, type Sandbox } from '../workspace/tool-context.fixture';
import { WorkspaceError, WorkspaceErrorCode } from '../workspace/workspace.errors';
import { defineTool } from './tool.define';
import { ToolError } from './tool.types';

describe('defineTool', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await makeSandbox();
  });
  afterEach(() => sb.cleanup());

  const echo = defineTool({
    id: 'echo',
    description: 'Echoes',
    parameters: z.object({ text: z.string().describe('what to say'), times: z.number().int().min(1).default(1) }),
    async execute(args) {
      return { title: 'echo', output: Array(args.times).fill(args.text).join('\n'), metadata: {} };
    },
  });

  it('validates arguments and names every bad field', async () => {
    const err = await echo.execute({ times: 0 } as never, makeToolContext(sb.ws)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ToolError);
    const msg = (err as Error).message;
    expect(msg).toContain('The echo tool was called with invalid arguments');
    expect(msg).toMatch(/- text: /);
    expect(msg).toMatch(/- times: /);
    expect(msg).toContain('Rewrite the input');
  });

  it('applies schema defaults and marks small output as not truncated', async () => {
    const r = await echo.execute({ text: 'hi' } as never, makeToolContext(sb.ws));
    expect(r.output).toBe('hi');
    expect(r.metadata.truncated).toBe(false);
  });

  it('emits a JSON Schema for the model with input-side optionality', () => {
    const schema = echo.toJsonSchema();
    expect(schema.$schema).toBeUndefined();
    expect(schema.type).toBe('object');
    expect(schema.required).toEqual(['text']);
    expect((schema.properties as Record<string, { description?: string }>).text.description).toBe('what to say');
  });

  it('truncates long output, saves the full text and points at it', async () => {
    const ctx = makeToolContext(sb.ws, { extra: { toolOutput: { maxLines: 10, maxBytes: 1000 } } });
    const r = await echo.execute({ text: 'line', times: 50 } as never, ctx);
    expect(r.metadata.truncated).toBe(true);
    const saved = r.metadata.outputPath as string;
    expect(saved.startsWith(sb.ws.outputDir! + '/tool_')).toBe(true);
    expect(await fs.readFile(saved, 'utf8')).toBe(Array(50).fill('line').join('\n'));
    expect(r.output.split('\n').slice(0, 10)).toEqual(Array(10).fill('line'));
    expect(r.output).toContain(saved);
    expect(r.output).toMatch(/grep tool/);
    expect(r.output).toMatch(/40 more lines/);
    // The saved file is readable through the workspace, so the read tool can page through it.
    expect(await sb.ws.readText(saved)).toContain('line');
  });

  it('turns confinement refusals into tool errors and passes other errors through', async () => {
    const refusing = defineTool({
      id: 'refuse',
      description: '',
      parameters: z.object({ kind: z.string() }),
      async execute(args) {
        if (args.kind === 'ws') throw new WorkspaceError(WorkspaceErrorCode.OutsideWorkspace, 'nope, outside');
        throw new RangeError('boom');
      },
    });
    const ws = await refusing.execute({ kind: 'ws' }, makeToolContext(sb.ws)).catch((e: unknown) => e);
    expect(ws).toBeInstanceOf(ToolError);
    expect((ws as Error).message).toBe('nope, outside');
    await expect(refusing.execute({ kind: 'other' }, makeToolContext(sb.ws))).rejects.toBeInstanceOf(RangeError);
  });

  it('leaves output alone when the tool reports truncation itself', async () => {
    const own = defineTool({
      id: 'own',
      description: '',
      parameters: z.object({}),
      async execute() {
        return { title: '', output: 'x\n'.repeat(5000), metadata: { truncated: false } };
      },
    });
    const r = await own.execute({}, makeToolContext(sb.ws));
    expect(r.output.length).toBe(10000);
  });
});
