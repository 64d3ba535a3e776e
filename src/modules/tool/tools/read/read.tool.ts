import path from 'node:path';
import { z } from 'zod';
import { askRead } from '../../file-permission';
import { dataUrl, imageMime, isBinary, isPdf } from '../../../workspace/file-kind';
import { workspaceOf, type ResolvedPath, type Workspace } from '../../../workspace/workspace';
import { defineTool } from '../../tool.define';
import { ToolError, type ToolResult } from '../../tool.types';
import { READ_DESCRIPTION } from './read.prompt';

export const DEFAULT_READ_LIMIT = 2000;
export const MAX_LINE_CHARS = 2000;
export const MAX_READ_OUTPUT_BYTES = 50 * 1024;

export const ReadParameters = z.object({
  filePath: z
    .string()
    .describe('Path of the file or folder to read: relative to the project root, or absolute inside the project'),
  offset: z.number().int().min(1).optional().describe('Line number to start from (1-based)'),
  limit: z.number().int().min(1).optional().describe(`Number of lines to read (default ${DEFAULT_READ_LIMIT})`),
});

async function suggestions(ws: Workspace, filePath: string): Promise<string[]> {
  const base = path.basename(filePath).toLowerCase();
  const stem = base.replace(/\.[^.]+$/, '');
  try {
    const entries = await ws.list(path.dirname(filePath));
    return entries
      .filter((e) => {
        const name = e.name.toLowerCase();
        return name.includes(stem) || stem.includes(name.replace(/\.[^.]+$/, ''));
      })
      .slice(0, 3)
      .map((e) => e.absolute);
  } catch {
    return [];
  }
}

async function readDirectory(ws: Workspace, r: ResolvedPath, offset: number, limit: number): Promise<ToolResult> {
  const entries = (await ws.list(r.real)).map((e) => (e.type === 'directory' ? `${e.name}/` : e.name));
  const start = offset - 1;
  if (start > 0 && start >= entries.length) {
    throw new ToolError(`Offset ${offset} is out of range for this folder (${entries.length} entries)`);
  }
  const shown = entries.slice(start, start + limit);
  const more = start + shown.length < entries.length;
  const footer = more
    ? `(Showing entries ${offset}-${start + shown.length} of ${entries.length}. Use offset=${start + shown.length + 1} to continue.)`
    : `(${entries.length} entries)`;
  const output = [
    `<path>${r.real}</path>`,
    '<type>directory</type>',
    '<entries>',
    ...shown,
    '',
    footer,
    '</entries>',
  ].join('\n');
  return {
    title: r.relative || '.',
    output,
    metadata: { preview: shown.slice(0, 20).join('\n'), truncated: more, loaded: [] },
  };
}

function renderLines(text: string, offset: number, limit: number, display: string) {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const total = lines.length;
  const start = offset - 1;
  if (start > 0 && start >= total)
    throw new ToolError(`Offset ${offset} is out of range for ${display} (${total} lines)`);
  const out: string[] = [];
  let bytes = 0;
  let capped = false;
  for (let i = start; i < Math.min(total, start + limit); i++) {
    let line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (line.length > MAX_LINE_CHARS)
      line = `${line.slice(0, MAX_LINE_CHARS)}… (line cut at ${MAX_LINE_CHARS} characters)`;
    const rendered = `${i + 1}: ${line}`;
    const size = Buffer.byteLength(rendered, 'utf8') + 1;
    if (bytes + size > MAX_READ_OUTPUT_BYTES && out.length > 0) {
      capped = true;
      break;
    }
    out.push(rendered);
    bytes += size;
  }
  const last = start + out.length;
  let footer: string;
  if (capped)
    footer = `(Output capped at ${MAX_READ_OUTPUT_BYTES / 1024} KB. Showing lines ${offset}-${last} of ${total}. Use offset=${last + 1} to continue.)`;
  else if (last < total) footer = `(Showing lines ${offset}-${last} of ${total}. Use offset=${last + 1} to continue.)`;
  else footer = `(End of file - total ${total} lines)`;
  return { out, footer, truncated: capped || last < total };
}

export const readTool = defineTool({
  id: 'read',
  description: READ_DESCRIPTION,
  parameters: ReadParameters,
  async execute(args, ctx) {
    const ws = await workspaceOf(ctx.workspace);
    const r = await ws.resolve(args.filePath);
    if (!r.stat) {
      const similar = await suggestions(ws, r.area === 'project' ? r.lexicalRelative : r.real);
      const hint = similar.length > 0 ? `\n\nDid you mean one of these?\n${similar.join('\n')}` : '';
      throw new ToolError(`File not found: ${args.filePath}${hint}`);
    }
    await askRead(ctx, r);
    const offset = args.offset ?? 1;
    const limit = args.limit ?? DEFAULT_READ_LIMIT;
    if (r.stat.isDirectory()) return readDirectory(ws, r, offset, limit);

    const { data } = await ws.readBytes(r.real);
    const title = r.relative || r.real;
    const mime = imageMime(r.real) ?? (isPdf(r.real) ? 'application/pdf' : undefined);
    if (mime) {
      const kind = mime === 'application/pdf' ? 'PDF' : 'Image';
      return {
        title,
        output: `${kind} read successfully`,
        metadata: { preview: `${kind} read successfully`, truncated: false, loaded: [] },
        attachments: [{ mime, url: dataUrl(mime, data), filename: path.basename(r.real) }],
      };
    }
    if (isBinary(r.real, data)) throw new ToolError(`Cannot read binary file: ${args.filePath}`);

    const text = data.toString('utf8').replace(/^\uFEFF/, '');
    const { out, footer, truncated } = renderLines(text, offset, limit, args.filePath);
    const output = [`<path>${r.real}</path>`, '<type>file</type>', '<content>', ...out, '', footer, '</content>'].join(
      '\n',
    );
    return {
      title,
      output,
      metadata: { preview: out.slice(0, 20).join('\n'), truncated, loaded: [] },
    };
  },
});
