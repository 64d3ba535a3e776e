import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COPY_THEN_START } from './embedded-postgres.cluster';

// A new cluster is copied by the postmaster's own shell, which the server records (launcher.json) so that the next
// start can stop a copy a killed server left running. The copy must not begin before that record exists: the shell
// waits for a line on stdin, sent after the record is written. A server killed before that closes the pipe unwritten.

describe('the copy-then-start shell of a new embedded cluster', () => {
  let base: string;
  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'copy-start-'));
    fs.mkdirSync(path.join(base, 'saved'));
    fs.writeFileSync(path.join(base, 'saved', 'PG_VERSION'), '17\n');
  });
  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  /** Runs the script with `marker` standing in for the postmaster; `input` is what stdin receives before it closes. */
  function run(input: string): Promise<number | null> {
    const args = [path.join(base, 'saved'), path.join(base, 'data.new-1'), path.join(base, 'data')];
    const child = spawn(
      '/bin/sh',
      ['-c', COPY_THEN_START, 'sh', ...args, '/bin/sh', '-c', 'echo started > "$0"', path.join(base, 'marker')],
      {
        stdio: ['pipe', 'ignore', 'ignore'],
      },
    );
    child.stdin.end(input);
    return new Promise((resolve) => child.on('exit', resolve));
  }

  it('copies nothing and starts nothing when its stdin closes without a line (the server died first)', async () => {
    expect(await run('')).not.toBe(0);
    expect(fs.readdirSync(base).sort()).toEqual(['saved']);
  });

  it('on its line: copies into the side folder, moves it into place, then execs the server', async () => {
    expect(await run('go\n')).toBe(0);
    expect(fs.readdirSync(base).sort()).toEqual(['data', 'marker', 'saved']);
    expect(fs.readFileSync(path.join(base, 'data', 'PG_VERSION'), 'utf8')).toBe('17\n');
    expect(fs.readFileSync(path.join(base, 'marker'), 'utf8')).toBe('started\n');
  });
});
