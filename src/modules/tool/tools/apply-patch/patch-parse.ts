// Parser for the `*** Begin Patch` envelope the GPT models are trained to write.
import { ToolError } from '../../tool.types';

export interface PatchChunk {
  /** Text after `@@`: a line to find before the change (e.g. a function header). */
  context?: string;
  oldLines: string[];
  newLines: string[];
  /** `*** End of File`: the change is anchored at the end of the file. */
  endOfFile: boolean;
}

export type PatchOp =
  | { kind: 'add'; path: string; content: string }
  | { kind: 'delete'; path: string }
  | { kind: 'update'; path: string; moveTo?: string; chunks: PatchChunk[] };

const BEGIN = '*** Begin Patch';
const END = '*** End Patch';
const ADD = '*** Add File: ';
const DELETE = '*** Delete File: ';
const UPDATE = '*** Update File: ';
const MOVE = '*** Move to: ';
const EOF_MARK = '*** End of File';

function fail(message: string): never {
  throw new ToolError(`Invalid patch: ${message}`);
}

export function parsePatch(patchText: string): PatchOp[] {
  let lines = patchText.replace(/\r\n/g, '\n').split('\n');
  // Models sometimes wrap the envelope in a heredoc; only the envelope itself matters.
  const begin = lines.findIndex((l) => l.trim() === BEGIN);
  const end = lines.map((l) => l.trim()).lastIndexOf(END);
  if (begin === -1) fail(`the first line must be "${BEGIN}".`);
  if (end === -1 || end < begin) fail(`the last line must be "${END}".`);
  lines = lines.slice(begin + 1, end);

  const ops: PatchOp[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i];
    if (line.startsWith(ADD)) {
      const path = line.slice(ADD.length).trim();
      const content: string[] = [];
      i++;
      while (i < lines.length && !lines[i].startsWith('*** ')) {
        if (!lines[i].startsWith('+'))
          fail(`in "Add File: ${path}" every line must start with "+", got: ${JSON.stringify(lines[i])}`);
        content.push(lines[i].slice(1));
        i++;
      }
      ops.push({ kind: 'add', path, content: content.length > 0 ? content.join('\n') + '\n' : '' });
    } else if (line.startsWith(DELETE)) {
      ops.push({ kind: 'delete', path: line.slice(DELETE.length).trim() });
      i++;
    } else if (line.startsWith(UPDATE)) {
      const path = line.slice(UPDATE.length).trim();
      i++;
      let moveTo: string | undefined;
      if (i < lines.length && lines[i].startsWith(MOVE)) {
        moveTo = lines[i].slice(MOVE.length).trim();
        i++;
      }
      const chunks: PatchChunk[] = [];
      let chunk: PatchChunk | undefined;
      const current = (): PatchChunk => {
        if (!chunk) {
          chunk = { oldLines: [], newLines: [], endOfFile: false };
          chunks.push(chunk);
        }
        return chunk;
      };
      while (i < lines.length && (!lines[i].startsWith('*** ') || lines[i].trim() === EOF_MARK)) {
        const l = lines[i];
        if (l.trim() === EOF_MARK) current().endOfFile = true;
        else if (l.startsWith('@@')) {
          const context = l.slice(2).trim();
          chunk = { context: context || undefined, oldLines: [], newLines: [], endOfFile: false };
          chunks.push(chunk);
        } else if (l.startsWith('-')) current().oldLines.push(l.slice(1));
        else if (l.startsWith('+')) current().newLines.push(l.slice(1));
        else if (l.startsWith(' ') || l === '') {
          // A blank line is a context line whose leading space got lost.
          const text = l.slice(1);
          current().oldLines.push(text);
          current().newLines.push(text);
        } else
          fail(
            `unexpected line in "Update File: ${path}": ${JSON.stringify(l)} (hunk lines start with " ", "-" or "+")`,
          );
        i++;
      }
      const meaningful = chunks.filter((c) => c.oldLines.length > 0 || c.newLines.length > 0 || c.context);
      if (meaningful.length === 0 && !moveTo) fail(`"Update File: ${path}" has no changes.`);
      ops.push({ kind: 'update', path, moveTo, chunks: meaningful });
    } else if (line.trim() === '') {
      i++;
    } else {
      fail(
        `unexpected line ${JSON.stringify(line)}; expected "*** Add File:", "*** Delete File:" or "*** Update File:".`,
      );
    }
  }
  for (const op of ops) if (!op.path) fail('a file section is missing its path.');
  if (ops.length === 0) fail('it contains no file operations.');
  return ops;
}
