import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { racyWindowMs, ScanCache, type ScanWitness } from './scan-cache';

describe('ScanCache', () => {
  let dir: string;
  // Files written by the spec are seconds old to this clock: a scan of them may be reused.
  const later = () => Date.now() + 60_000;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scan-cache-'));
    fs.writeFileSync(path.join(dir, 'AGENTS.md'), 'first');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A scan of `dir` like the instruction loader's: the folder, then each file before it is read. */
  function scanner() {
    let scans = 0;
    const scan = async (witness: ScanWitness) => {
      scans++;
      await witness.observe(dir);
      const out: string[] = [];
      for (const name of fs.readdirSync(dir).sort()) {
        await witness.observe(path.join(dir, name));
        out.push(`${name}=${fs.readFileSync(path.join(dir, name), 'utf8')}`);
      }
      await witness.observe(path.join(dir, 'missing.md'));
      return out;
    };
    return { scan, scans: () => scans };
  }

  it('reuses a scan while nothing it looked at changed', async () => {
    const cache = new ScanCache<string[]>(10, later);
    const s = scanner();
    expect(await cache.get('k', s.scan)).toEqual(['AGENTS.md=first']);
    expect(await cache.get('k', s.scan)).toEqual(['AGENTS.md=first']);
    expect(s.scans()).toBe(1);
  });

  it('scans again after a file was written in place, added, or a missing one appeared', async () => {
    const cache = new ScanCache<string[]>(10, later);
    const s = scanner();
    await cache.get('k', s.scan);
    fs.writeFileSync(path.join(dir, 'AGENTS.md'), 'second, longer');
    expect(await cache.get('k', s.scan)).toEqual(['AGENTS.md=second, longer']);
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.rmdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(path.join(dir, 'CLAUDE.md'), 'x');
    expect(await cache.get('k', s.scan)).toEqual(['AGENTS.md=second, longer', 'CLAUDE.md=x']);
    expect(s.scans()).toBe(3);
  });

  it('notices a path it saw missing that now exists, even with its folder left alone', async () => {
    const cache = new ScanCache<string[]>(10, later);
    let scans = 0;
    const target = path.join(dir, 'nested', 'rules.md');
    const scan = async (witness: ScanWitness) => {
      scans++;
      await witness.observe(target);
      return [fs.existsSync(target) ? 'present' : 'absent'];
    };
    expect(await cache.get('k', scan)).toEqual(['absent']);
    fs.mkdirSync(path.dirname(target));
    fs.writeFileSync(target, 'now');
    expect(await cache.get('k', scan)).toEqual(['present']);
    expect(scans).toBe(2);
  });

  it("never reuses a scan that saw a path changed within its file system's timestamp granularity", async () => {
    // 10 ms after the last write, whatever the load on the machine running this.
    const written = Math.max(...[dir, path.join(dir, 'AGENTS.md')].map((p) => fs.lstatSync(p).ctimeMs));
    const cache = new ScanCache<string[]>(10, () => written + 10);
    const s = scanner();
    await cache.get('k', s.scan);
    await cache.get('k', s.scan);
    expect(s.scans()).toBe(2);
  });

  it('reuses a scan of paths changed a second before it on a file system with sub-second times', async () => {
    const ctimeMs = fs.lstatSync(dir).ctimeMs;
    // This machine's temp folder keeps sub-second times (tmpfs, ext4, xfs, btrfs all do).
    expect(ctimeMs % 1000).not.toBe(0);
    const cache = new ScanCache<string[]>(10, () => Date.now() + 1000);
    const s = scanner();
    await cache.get('k', s.scan);
    await cache.get('k', s.scan);
    expect(s.scans()).toBe(1);
  });

  it('waits two seconds on whole-second times, 50 ms on finer ones', () => {
    expect(racyWindowMs({ ctimeMs: 1_765_000_000_000 })).toBe(2000);
    expect(racyWindowMs({ ctimeMs: 1_765_000_000_123.456 })).toBe(50);
    expect(racyWindowMs({ ctimeMs: 1_765_000_000_000.001 })).toBe(50);
  });

  it('checks a path under a file (ENOTDIR) as the scan saw it: missing, and reused while it stays so', async () => {
    const cache = new ScanCache<string[]>(10, later);
    let scans = 0;
    const under = path.join(dir, 'AGENTS.md', 'nested.md');
    const scan = async (witness: ScanWitness) => {
      scans++;
      await witness.observe(under);
      return [];
    };
    await cache.get('k', scan);
    await cache.get('k', scan);
    expect(scans).toBe(1);
    fs.rmSync(path.join(dir, 'AGENTS.md'));
    fs.mkdirSync(path.join(dir, 'AGENTS.md'));
    fs.writeFileSync(under, 'now a file');
    await cache.get('k', scan);
    expect(scans).toBe(2);
  });

  it('keeps keys apart', async () => {
    const cache = new ScanCache<string[]>(10, later);
    const s = scanner();
    await cache.get('a', s.scan);
    await cache.get('b', s.scan);
    await cache.get('a', s.scan);
    expect(s.scans()).toBe(2);
  });
});
