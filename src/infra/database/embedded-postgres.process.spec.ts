import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assertReachable } from './embedded-postgres.process';

// As root, the embedded PostgreSQL runs as another user, who must be able to enter every folder above its data and
// its binaries; the error names the folder that stops it instead of a bare spawn EACCES.

const stranger = { name: 'postgres', uid: 54_321, gid: 54_321 };

describe('assertReachable', () => {
  let base: string;
  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'reach-'));
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  it('names a folder the server user cannot enter, and what to do about it', () => {
    const closed = path.join(base, 'checkout');
    fs.mkdirSync(path.join(closed, 'bin'), { recursive: true, mode: 0o700 });
    fs.chmodSync(closed, 0o700);
    expect(() => assertReachable(path.join(closed, 'bin', 'initdb'), stranger, 'install it elsewhere')).toThrow(
      `that user cannot enter ${path.join(closed, 'bin')} (mode 700). Allow it (chmod o+x ${path.join(closed, 'bin')}), install it elsewhere`,
    );
  });

  it('passes when every folder above lets others through', () => {
    const open = path.join(base, 'open', 'bin');
    fs.mkdirSync(open, { recursive: true });
    for (const d of [base, path.dirname(open), open]) fs.chmodSync(d, 0o755);
    expect(() => assertReachable(path.join(open, 'initdb'), stranger)).not.toThrow();
  });
});
