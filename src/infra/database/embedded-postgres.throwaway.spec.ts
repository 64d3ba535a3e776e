import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { throwawayRoot } from './embedded-postgres';

// Where a throwaway cluster (EMBEDDED_DB_MEMORY, the tests) goes: memory when it has room, else the temp dir.
describe('throwawayRoot', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-shm-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('takes the memory folder when it has the room a cluster grows into', () => {
    expect(throwawayRoot(dir, 1)).toBe(dir);
  });

  it("falls back to the temp dir when it is too small (a container's 64 MB /dev/shm)", () => {
    const { bavail, bsize } = fs.statfsSync(dir);
    expect(throwawayRoot(dir, bavail * bsize + 1)).toBe(os.tmpdir());
  });

  it('falls back to the temp dir when there is none or it cannot be written', () => {
    expect(throwawayRoot(path.join(dir, 'missing'), 1)).toBe(os.tmpdir());
    if (process.getuid?.() === 0) return; // root writes anywhere
    fs.chmodSync(dir, 0o500);
    expect(throwawayRoot(dir, 1)).toBe(os.tmpdir());
  });
});
