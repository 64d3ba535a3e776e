import { buildTarGz, buildZip } from '../../../../test/utils/archive-builder';
import { checkEntryPath, readStarterArchive, STARTER_LIMITS } from './starter-archive';

// Written from the uploader's side: every hostile archive is refused with a 400 before anything is written.
const refused = async (buf: Buffer, message: RegExp, limits = STARTER_LIMITS) => {
  await expect(readStarterArchive(buf, limits)).rejects.toMatchObject({ status: 400, code: 'archive_invalid' });
  await expect(readStarterArchive(buf, limits)).rejects.toThrow(message);
};

describe('readStarterArchive', () => {
  it('reads a zip and a tar.gz into checked relative paths', async () => {
    const zip = buildZip([
      { name: 'src/' },
      { name: 'src/main.py', data: 'print(1)\n' },
      { name: './README.md', data: '# hi', deflate: true },
    ]);
    expect((await readStarterArchive(zip)).map((f) => [f.path, f.data.toString()])).toEqual([
      ['src/main.py', 'print(1)\n'],
      ['README.md', '# hi'],
    ]);
    const tgz = await buildTarGz([
      { name: 'a/', type: 'directory' },
      { name: 'a/b.txt', data: 'b' },
    ]);
    expect((await readStarterArchive(tgz)).map((f) => f.path)).toEqual(['a/b.txt']);
  });

  it('refuses zip slip, absolute and drive paths, backslashes and .git', async () => {
    await refused(buildZip([{ name: '../../etc/cron.d/x', data: 'x' }]), /leaves the folder|invalid relative path/);
    await refused(buildZip([{ name: '/etc/passwd', data: 'x' }]), /absolute path/);
    await refused(buildZip([{ name: 'C:/x', data: 'x' }]), /absolute|invalid/);
    await refused(buildZip([{ name: 'a\\..\\b', data: 'x' }]), /backslash|invalid/);
    await refused(buildZip([{ name: '.git/hooks/post-checkout', data: 'x' }]), /inside .git/);
    await refused(await buildTarGz([{ name: '../escape.txt', data: 'x' }]), /leaves the folder/);
    await refused(await buildTarGz([{ name: '/abs.txt', data: 'x' }]), /absolute path/);
  });

  it('refuses links in zip and tar', async () => {
    await refused(buildZip([{ name: 'passwd', symlink: '/etc/passwd' }]), /symbolic link/);
    await refused(await buildTarGz([{ name: 'passwd', type: 'symlink', linkname: '/etc/passwd' }]), /symbolic link/);
    await refused(await buildTarGz([{ name: 'h', type: 'link', linkname: 'x' }]), /hard link/);
  });

  it('refuses too many files, duplicates and bombs by their uncompressed size', async () => {
    const many = Array.from({ length: STARTER_LIMITS.maxFiles + 1 }, (_, i) => ({ name: `f${i}.txt`, data: 'x' }));
    await refused(buildZip(many), /more than 500 files/);
    await refused(
      buildZip([
        { name: 'a', data: '1' },
        { name: 'a', data: '2' },
      ]),
      /appears twice/,
    );
    const zeros = Buffer.alloc(STARTER_LIMITS.maxFileBytes + 1);
    const bomb = buildZip([{ name: 'bomb.bin', data: zeros, deflate: true }]);
    expect(bomb.length).toBeLessThan(100_000);
    await refused(bomb, /larger than/);
    // Same checks with smaller bounds, so the test does not deflate 50 MB.
    const small = { ...STARTER_LIMITS, maxFileBytes: 300_000, maxTotalBytes: 1_000_000 };
    const spread = buildZip(
      Array.from({ length: 4 }, (_, i) => ({ name: `z${i}`, data: Buffer.alloc(290_000), deflate: true })),
    );
    await refused(spread, /bytes once unpacked/, small);
    const gzBomb = await buildTarGz([{ name: 'big', data: Buffer.alloc(2_000_000) }]);
    expect(gzBomb.length).toBeLessThan(10_000);
    await refused(gzBomb, /once unpacked/, small);
  });

  it('refuses what is not an archive, empty bodies and oversized uploads', async () => {
    await refused(Buffer.from('hello'), /not a zip or tar.gz/);
    await refused(Buffer.alloc(0), /empty/);
    await refused(buildZip([{ name: 'a', data: 'xx' }]), /larger than 10 bytes/, {
      ...STARTER_LIMITS,
      maxArchiveBytes: 10,
    });
  });

  it('checkEntryPath normalises harmless spellings', () => {
    expect(checkEntryPath('./a//b/./c.txt')).toBe('a/b/c.txt');
    expect(checkEntryPath('dir/')).toBe('dir');
    expect(checkEntryPath('./')).toBeUndefined();
  });
});
