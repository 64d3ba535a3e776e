import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cleanupToolOutput, cutHead, truncateOutput } from './truncation';

describe('truncation', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'trunc-spec-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('keeps text within both limits untouched', async () => {
    const r = await truncateOutput('a\nb', { maxLines: 2, maxBytes: 3, dir });
    expect(r).toEqual({ content: 'a\nb', truncated: false });
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('cuts by lines and by bytes, whichever comes first', () => {
    expect(cutHead('1\n2\n3\n4', 2, 100)).toMatchObject({ head: '1\n2', cut: true, totalLines: 4, keptLines: 2 });
    expect(cutHead('aaaa\nbbbb\ncccc', 100, 9)).toMatchObject({ head: 'aaaa\nbbbb', keptLines: 2 });
  });

  it('never splits a multi-byte character and shows the start of one giant line', () => {
    const r = cutHead('é'.repeat(100), 10, 7);
    expect(r.head).toBe('ééé');
    expect(r.cut).toBe(true);
  });

  it('uses the default limits of 2000 lines / 50 KB', async () => {
    const text = Array.from({ length: 2500 }, (_, i) => `l${i}`).join('\n');
    const r = await truncateOutput(text, { maxLines: 2000, maxBytes: 50 * 1024, dir });
    expect(r.truncated).toBe(true);
    expect(r.content.split('\n')[1999]).toBe('l1999');
    expect(r.content).toContain('500 more lines');
    expect(path.basename(r.outputPath!)).toMatch(/^tool_[0-9a-f]{12}/);
    expect((await fs.stat(r.outputPath!)).mode & 0o777).toBe(0o600);
  });

  it('cleans up saved outputs older than the maximum age only', async () => {
    await fs.writeFile(path.join(dir, 'tool_old'), 'x');
    await fs.writeFile(path.join(dir, 'tool_new'), 'x');
    await fs.writeFile(path.join(dir, 'other'), 'x');
    const old = new Date(Date.now() - 8 * 24 * 3600 * 1000);
    await fs.utimes(path.join(dir, 'tool_old'), old, old);
    await fs.utimes(path.join(dir, 'other'), old, old);
    expect(await cleanupToolOutput(dir)).toBe(1);
    expect((await fs.readdir(dir)).sort()).toEqual(['other', 'tool_new']);
  });
});
