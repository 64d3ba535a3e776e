import { ToolError } from '../../tool/tool.types';
import { mcpEntryKey, mcpToolId, sanitizeMcpName } from './mcp-naming';
import { capUtf8, convertCallToolResult } from './mcp-result.converter';
import { normalizeInputSchema } from './mcp-tool.converter';

const meta = { title: 't', server: 's', tool: 'x' };
const png = Buffer.from('not really a png').toString('base64');

describe('MCP naming', () => {
  it('replaces every character outside [a-zA-Z0-9_-] with an underscore', () => {
    expect(sanitizeMcpName('my server.v2/é ok')).toBe('my_server_v2___ok');
    expect(sanitizeMcpName('a.b c/d')).toBe('a_b_c_d');
    expect(sanitizeMcpName('keep-these_AZ09')).toBe('keep-these_AZ09');
    expect(sanitizeMcpName('é')).toBe('_');
  });

  it('joins server and tool with an underscore, and prompts/resources with a colon', () => {
    expect(mcpToolId('git hub', 'create.issue')).toBe('git_hub_create_issue');
    expect(mcpEntryKey('git hub', 'weekly report')).toBe('git_hub:weekly_report');
  });
});

describe('normalizeInputSchema', () => {
  it('forces an object schema without extra properties', () => {
    expect(normalizeInputSchema(undefined)).toEqual({ type: 'object', properties: {}, additionalProperties: false });
    expect(
      normalizeInputSchema({
        type: 'object',
        properties: { a: { type: 'string' } },
        required: ['a'],
        additionalProperties: true,
      }),
    ).toEqual({
      type: 'object',
      properties: { a: { type: 'string' } },
      required: ['a'],
      additionalProperties: false,
    });
    expect(normalizeInputSchema({ $schema: 'http://json-schema.org/draft-07/schema#' })).toMatchObject({
      type: 'object',
      properties: {},
    });
  });
});

describe('convertCallToolResult', () => {
  it('joins text blocks with a blank line and collects attachments in order', () => {
    const result = convertCallToolResult(
      {
        content: [
          { type: 'text', text: 'one' },
          { type: 'image', data: png, mimeType: 'image/png' },
          { type: 'audio', data: png, mimeType: 'audio/wav' },
          { type: 'text', text: 'two' },
        ],
      },
      meta,
    );
    expect(result.output).toBe('one\n\ntwo');
    expect(result.attachments).toEqual([
      { mime: 'image/png', url: `data:image/png;base64,${png}` },
      { mime: 'audio/wav', url: `data:audio/wav;base64,${png}` },
    ]);
    expect(result.metadata).toEqual({ server: 's', tool: 'x' });
  });

  it('mentions resource links and falls back to structured content or legacy toolResult', () => {
    expect(
      convertCallToolResult({ content: [{ type: 'resource_link', uri: 'file:///a.txt', name: 'a' }] }, meta).output,
    ).toBe('Resource link a: file:///a.txt');
    expect(convertCallToolResult({ content: [], structuredContent: { total: 3 } }, meta).output).toBe('{"total":3}');
    expect(convertCallToolResult({ toolResult: { ok: true } }, meta).output).toBe('{"ok":true}');
  });

  it('throws a ToolError with the server text for isError results', () => {
    expect(() =>
      convertCallToolResult({ isError: true, content: [{ type: 'text', text: 'bad input' }] }, meta),
    ).toThrow(new ToolError('bad input'));
    expect(() => convertCallToolResult({ isError: true, content: [] }, meta)).toThrow('MCP tool x failed');
  });

  it('drops attachments past the attachment budget and truncates text past the output budget', () => {
    const result = convertCallToolResult(
      {
        content: [
          { type: 'text', text: 'é'.repeat(10) },
          { type: 'image', data: 'A'.repeat(60), mimeType: 'image/png' },
          { type: 'image', data: 'B'.repeat(60), mimeType: 'image/png' },
        ],
      },
      meta,
      { maxOutputBytes: 7, maxAttachmentBytes: 100 },
    );
    // 7 bytes cut a two-byte character in half: the partial character is dropped, not mangled.
    expect(result.output).toBe('ééé');
    expect(result.attachments).toHaveLength(1);
    expect(result.metadata).toEqual({ server: 's', tool: 'x', truncated: true, droppedAttachments: 1 });
  });

  it('leaves short text alone', () => {
    expect(capUtf8('abc', 3)).toEqual({ text: 'abc', truncated: false });
  });
});
