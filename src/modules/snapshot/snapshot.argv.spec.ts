import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DomainError } from '../../core/errors/domain-error';
import { isObjectId } from './git-args';
import { SnapshotErrorCode } from './snapshot.errors';
import { createSandbox, fingerprint, type Sandbox } from './testing/workspace.fixture';

// Values that reach git's argv from stored parts (step `snapshot`, patch `hash`/`files`): option-shaped and
// path-shaped strings must be refused before git starts, and must never write or read outside the workspace.

function hostile(trap: string): string[] {
  return [
    `--output=${trap}/pwned`,
    `-c core.pager=touch ${trap}/pager`,
    `--exec=touch ${trap}/exec`,
    '-p',
    'HEAD',
    '../../etc/passwd',
    `${'a'.repeat(40)}\0--output=${trap}/nul`,
    `${'a'.repeat(40)}\n--output=${trap}/newline`,
    'a'.repeat(39),
    'A'.repeat(40),
    'a'.repeat(41),
  ];
}

describe('GitSnapshot argv hygiene', () => {
  let box: Sandbox;
  let trap: string;
  beforeEach(() => {
    box = createSandbox();
    trap = path.join(path.dirname(box.workspace), 'trap');
    mkdirSync(trap);
    box.write('a.txt', 'one\n');
  });
  afterEach(() => box.cleanup());

  it('knows the hex forms of object ids', () => {
    expect(isObjectId('0123456789abcdef0123456789abcdef01234567')).toBe(true);
    expect(isObjectId('f'.repeat(64))).toBe(true);
    for (const value of hostile('/tmp')) expect(isObjectId(value)).toBe(false);
    expect(isObjectId(undefined)).toBe(false);
  });

  it('refuses every hostile revision with a 400 before any git process or repository exists', async () => {
    const snapshot = box.snapshot();
    const good = 'a'.repeat(40);
    const calls = (bad: string) => [
      () => snapshot.patch(bad),
      () => snapshot.trackSince(bad),
      () => snapshot.diff(bad),
      () => snapshot.diffFull(bad, good),
      () => snapshot.diffFull(good, bad),
      () => snapshot.restore(bad),
      () => snapshot.revert([{ hash: bad, files: [path.join(box.workspace, 'a.txt')] }]),
    ];
    for (const bad of hostile(trap)) {
      for (const call of calls(bad)) {
        const error = await Promise.resolve()
          .then((): Promise<unknown> => call())
          .then(
            () => undefined,
            (e: unknown) => e,
          );
        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).status).toBe(400);
        expect((error as DomainError).code).toBe(SnapshotErrorCode.InvalidObjectId);
      }
    }
    // Refused before the first git call: the snapshot repository was never even created.
    expect(existsSync(snapshot.gitDir)).toBe(false);
    expect(readdirSync(trap)).toEqual([]);
  });

  it('fails a revert whole when any stored patch has a bad hash, touching no file', async () => {
    const snapshot = box.snapshot();
    const before = await snapshot.track();
    box.write('a.txt', 'two\n');
    const now = fingerprint(box.workspace);
    await expect(
      snapshot.revert([
        { hash: before, files: [path.join(box.workspace, 'a.txt')] },
        { hash: `--output=${trap}/x`, files: [path.join(box.workspace, 'a.txt')] },
      ]),
    ).rejects.toMatchObject({ status: 400 });
    expect(fingerprint(box.workspace)).toEqual(now);
  });

  it('reverts only workspace files when stored paths are option- or path-shaped', async () => {
    const outside = path.join(path.dirname(box.workspace), 'outside.txt');
    writeFileSync(outside, 'keep me\n');
    const snapshot = box.snapshot();
    const before = await snapshot.track();
    box.write('a.txt', 'two\n');
    box.write('-c', 'a file named -c\n');
    const files = [
      '--output=' + path.join(trap, 'pwned'),
      '-c',
      'core.pager=touch ' + path.join(trap, 'pager'),
      '../outside.txt',
      outside,
      path.join(box.workspace, '..', 'outside.txt'),
      '/etc/passwd',
      'a\0b',
      'line\n--output=x',
      '.git/config',
      path.join(box.workspace, 'sub', '..', '..', 'outside.txt'),
      path.join(box.workspace, 'a.txt'),
      42 as unknown as string,
    ];
    await snapshot.revert([{ hash: before, files }]);
    expect(readdirSync(trap)).toEqual([]);
    expect(existsSync(outside)).toBe(true);
    // The real file went back; the one literally named `-c` was new since `before`, so revert removed it.
    expect(existsSync(path.join(box.workspace, '-c'))).toBe(false);
    expect(readdirSync(box.workspace).sort()).toEqual(['a.txt']);
  });

  it("refuses a workspace whose .gitignore would send git's wildmatch exponential, quickly and without git", async () => {
    box.write(['a', ...Array(39).fill('a'), 'a'.repeat(200)].join('/'), 'x');
    box.write('.gitignore', `${'**/a/'.repeat(8)}b\n`);
    const snapshot = box.snapshot({ timeoutMs: 20_000 });
    // The pattern check before git refuses it (git's own run would end in the 20 s timeout with another code),
    // so the code and the reason prove git never ran; how fast is bench's business.
    await expect(snapshot.track()).rejects.toMatchObject({
      code: SnapshotErrorCode.SpecialFile,
      message: expect.stringContaining('"**"'),
    });
    box.write('.gitignore', '**/a/**/b\n*.log\n');
    expect(await snapshot.track()).toMatch(/^[0-9a-f]{40}$/);
  });
});
