// Keeps tool output the model sees bounded; the full text goes to a file the model can grep or page through.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { newId } from '../../core/ids';

export const DEFAULT_MAX_LINES = 2000;
export const DEFAULT_MAX_BYTES = 50 * 1024;
export const TOOL_OUTPUT_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

/** `ctx.extra.toolOutput`: limits for one call, from the `tool_output` config. */
export const ToolOutputLimitsSchema = z.object({
  maxLines: z.number().int().positive().default(DEFAULT_MAX_LINES),
  maxBytes: z.number().int().positive().default(DEFAULT_MAX_BYTES),
  dir: z.string().min(1).optional(),
});
export type ToolOutputLimits = z.output<typeof ToolOutputLimitsSchema>;

export function fallbackOutputDir(): string {
  return path.join(os.tmpdir(), 'opencode-api-tool-output');
}

export interface HeadCut {
  head: string;
  cut: boolean;
  totalLines: number;
  keptLines: number;
}

/** The longest head of `text` within both limits (never splitting a UTF-8 character). */
export function cutHead(text: string, maxLines: number, maxBytes: number): HeadCut {
  const lines = text.split('\n');
  const totalLines = lines.length;
  if (totalLines <= maxLines && Buffer.byteLength(text, 'utf8') <= maxBytes) {
    return { head: text, cut: false, totalLines, keptLines: totalLines };
  }
  const kept: string[] = [];
  let bytes = 0;
  for (const line of lines) {
    if (kept.length >= maxLines) break;
    const size = Buffer.byteLength(line, 'utf8') + (kept.length > 0 ? 1 : 0);
    if (bytes + size > maxBytes) break;
    kept.push(line);
    bytes += size;
  }
  if (kept.length === 0) {
    // One enormous first line: show its beginning rather than nothing.
    const head = Buffer.from(lines[0], 'utf8')
      .subarray(0, maxBytes)
      .toString('utf8')
      .replace(/\uFFFD+$/, '');
    return { head, cut: true, totalLines, keptLines: 0 };
  }
  return { head: kept.join('\n'), cut: true, totalLines, keptLines: kept.length };
}

export interface TruncateResult {
  content: string;
  truncated: boolean;
  outputPath?: string;
}

/** Cuts `text` to a head preview when over the limits, saving the whole text to `<dir>/tool_<id>`. */
export async function truncateOutput(text: string, limits: ToolOutputLimits): Promise<TruncateResult> {
  const { head, cut, totalLines, keptLines } = cutHead(text, limits.maxLines, limits.maxBytes);
  if (!cut) return { content: text, truncated: false };
  const dir = limits.dir ?? fallbackOutputDir();
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const outputPath = path.join(dir, newId('tool'));
  await fs.writeFile(outputPath, text, { mode: 0o600, flag: 'wx' });
  const omitted = totalLines - keptLines;
  const hint =
    `\n\n… ${omitted} more line${omitted === 1 ? '' : 's'} not shown …\n\n` +
    `This output was longer than ${limits.maxLines} lines or ${limits.maxBytes} bytes, so only its beginning is shown above. ` +
    `The complete output is saved at ${outputPath}. Search it with the grep tool (path set to that file) ` +
    `or view other parts with the read tool using offset and limit, instead of running the command again.`;
  return { content: head + hint, truncated: true, outputPath };
}

/** Deletes saved outputs older than `maxAgeMs`; returns how many were removed. */
export async function cleanupToolOutput(
  dir: string,
  maxAgeMs = TOOL_OUTPUT_MAX_AGE_MS,
  now = Date.now(),
): Promise<number> {
  let removed = 0;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!name.startsWith('tool_')) continue;
    const file = path.join(dir, name);
    const st = await fs.lstat(file).catch(() => undefined);
    if (st?.isFile() && now - st.mtimeMs > maxAgeMs) {
      await fs.rm(file, { force: true });
      removed++;
    }
  }
  return removed;
}
