import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { AppConfig } from '../../core/config/app-config';
import type { QueueService } from '../../infra/queue/queue.service';
import { ALL_TENANTS, ToolOutputCleanupProcessor } from './tool-output-cleanup.processor';
import { TOOL_OUTPUT_MAX_AGE_MS } from './truncation';

describe('ToolOutputCleanupProcessor', () => {
  let root: string;
  const now = Date.UTC(2026, 0, 10);
  const old = new Date(now - TOOL_OUTPUT_MAX_AGE_MS - 60_000);
  const fresh = new Date(now - 60_000);

  const file = (rel: string, mtime: Date) => {
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, 'output');
    fs.utimesSync(p, mtime, mtime);
    return p;
  };
  const processor = () =>
    new ToolOutputCleanupProcessor(
      {} as QueueService,
      { toolOutputDir: root, env: 'test' } as AppConfig,
      pino({ level: 'silent' }),
    );

  beforeEach(() => (root = fs.mkdtempSync(path.join(os.tmpdir(), 'tool-output-'))));
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('removes saved outputs older than seven days in every tenant and project, keeps fresh ones and other files', async () => {
    const stale = [file('ten_a/prj-one/tool_1', old), file('ten_b/prj-two/tool_2', old)];
    const kept = [file('ten_a/prj-one/tool_3', fresh), file('ten_a/prj-one/notes.txt', old)];
    expect(await processor().run(ALL_TENANTS, now)).toEqual({ removed: 2 });
    for (const p of stale) expect(fs.existsSync(p)).toBe(false);
    for (const p of kept) expect(fs.existsSync(p)).toBe(true);
  });

  it('limits a run to the tenant it names and ignores a payload that is a path', async () => {
    const a = file('ten_a/prj/tool_1', old);
    const b = file('ten_b/prj/tool_1', old);
    expect(await processor().run('ten_a', now)).toEqual({ removed: 1 });
    expect(fs.existsSync(a)).toBe(false);
    expect(fs.existsSync(b)).toBe(true);
    expect(await processor().run('../ten_b', now)).toEqual({ removed: 0 });
    expect(fs.existsSync(b)).toBe(true);
  });

  it('is a no-op without a tool output folder', async () => {
    fs.rmSync(root, { recursive: true, force: true });
    expect(await processor().run(ALL_TENANTS, now)).toEqual({ removed: 0 });
  });
});
