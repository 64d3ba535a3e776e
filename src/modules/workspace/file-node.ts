// Shapes of OpenCode's file routes (`GET /file?path=`, `GET /file/content?path=`), served from a Workspace.
import { z } from 'zod';
import { imageMime, isBinary, mimeOf } from './file-kind';
import { loadIgnoreMatcher } from './ignore-rules';
import type { Workspace } from './workspace';

export const FileNodeSchema = z.object({
  name: z.string(),
  path: z.string(),
  absolute: z.string(),
  type: z.enum(['file', 'directory']),
  ignored: z.boolean(),
});
export type FileNode = z.infer<typeof FileNodeSchema>;

export const FileContentSchema = z.object({
  type: z.enum(['text', 'binary']),
  content: z.string(),
  encoding: z.literal('base64').optional(),
  mimeType: z.string().optional(),
});
export type FileContent = z.infer<typeof FileContentSchema>;

/** Children of a folder: directories first, then files, each alphabetical. */
export async function listFileNodes(ws: Workspace, dirPath = '.'): Promise<FileNode[]> {
  const [entries, ignored] = await Promise.all([ws.list(dirPath), loadIgnoreMatcher(ws.root)]);
  const nodes: FileNode[] = [];
  for (const e of entries) {
    let type: FileNode['type'];
    if (e.type === 'directory') type = 'directory';
    else if (e.type === 'file') type = 'file';
    else if (e.type === 'symlink') {
      // A link is shown as what it points to when that is inside the project; otherwise it is not listed.
      const target = await ws.stat(e.relative).catch(() => undefined);
      if (!target) continue;
      type = target.isDirectory() ? 'directory' : 'file';
    } else continue;
    nodes.push({
      name: e.name,
      path: e.relative,
      absolute: e.absolute,
      type,
      ignored: ignored(e.relative, type === 'directory'),
    });
  }
  return nodes.sort((a, b) => (a.type !== b.type ? (a.type === 'directory' ? -1 : 1) : a.name.localeCompare(b.name)));
}

/** File content: text as-is, images and other binary as base64 with a MIME type. */
export async function readFileContent(ws: Workspace, filePath: string): Promise<FileContent> {
  const { data, resolved } = await ws.readBytes(filePath);
  const mime = imageMime(resolved.real);
  if (mime || isBinary(resolved.real, data)) {
    return {
      type: 'binary',
      content: data.toString('base64'),
      encoding: 'base64',
      mimeType: mime ?? mimeOf(resolved.real),
    };
  }
  return { type: 'text', content: data.toString('utf8') };
}
