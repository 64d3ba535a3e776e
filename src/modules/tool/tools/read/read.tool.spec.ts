import fs from 'node:fs/promises';
import path from 'node:path';
import { makeSandbox, makeToolContext, type Sandbox } from '../../../workspace/tool-context.fixture';
import { ToolError } from '../../tool.types';
import { readTool } from './read.tool';

describe('read tool', () => {
  let sb: Sandbox;
  beforeEach(async () => {
    sb = await makeSandbox();
  });
  afterEach(() => sb.cleanup());
  const write = (rel: string, data: string | Buffer) =>
    sb.ws.writeBytes(rel, Buffer.isBuffer(data) ? data : Buffer.from(data));
  const run = (args: Record<string, unknown>, ctx = makeToolContext(sb.ws)) => readTool.execute(args as never, ctx);

  it('renders a file in the observed OpenCode shape and asks read with the relative path', async () => {
    await write('hello.txt', 'hello from the anchor project\n');
    const ctx = makeToolContext(sb.ws);
    const r = await run({ filePath: 'hello.txt' }, ctx);
    expect(r.output).toBe(
      `<path>${path.join(sb.ws.root, 'hello.txt')}</path>\n<type>file</type>\n<content>\n1: hello from the anchor project\n\n(End of file - total 1 lines)\n</content>`,
    );
    expect(r.title).toBe('hello.txt');
    expect(r.metadata).toMatchObject({ preview: '1: hello from the anchor project', truncated: false, loaded: [] });
    expect(ctx.asks).toEqual([
      {
        permission: 'read',
        patterns: ['hello.txt'],
        always: ['*'],
        metadata: { filepath: path.join(sb.ws.root, 'hello.txt') },
      },
    ]);
  });

  it('pages with offset and limit and says where to continue', async () => {
    await write('n.txt', Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join('\n'));
    const r = await run({ filePath: 'n.txt', offset: 3, limit: 4 });
    expect(r.output).toContain(
      '3: line 3\n4: line 4\n5: line 5\n6: line 6\n\n(Showing lines 3-6 of 10. Use offset=7 to continue.)',
    );
    expect(r.output).not.toContain('2: line 2');
    expect(r.metadata.truncated).toBe(true);
    const end = await run({ filePath: 'n.txt', offset: 7 });
    expect(end.output).toContain('10: line 10\n\n(End of file - total 10 lines)');
    await expect(run({ filePath: 'n.txt', offset: 11 })).rejects.toThrow(/Offset 11 is out of range .*10 lines/);
  });

  it('uses a default limit of 2000 lines', async () => {
    await write('big.txt', Array.from({ length: 2100 }, (_, i) => `${i}`).join('\n'));
    const r = await run({ filePath: 'big.txt' });
    expect(r.output).toContain('2000: 1999\n\n(Showing lines 1-2000 of 2100. Use offset=2001 to continue.)');
  });

  it('cuts long lines at 2000 characters and caps output at 50 KB', async () => {
    await write('wide.txt', `${'a'.repeat(2500)}\nshort\n`);
    const wide = await run({ filePath: 'wide.txt' });
    expect(wide.output).toContain(`1: ${'a'.repeat(2000)}… (line cut at 2000 characters)`);
    await write('heavy.txt', Array.from({ length: 200 }, () => 'b'.repeat(1000)).join('\n'));
    const heavy = await run({ filePath: 'heavy.txt' });
    expect(Buffer.byteLength(heavy.output)).toBeLessThan(52 * 1024);
    expect(heavy.output).toMatch(
      /\(Output capped at 50 KB\. Showing lines 1-(\d+) of 200\. Use offset=\d+ to continue\.\)/,
    );
    expect(heavy.metadata.truncated).toBe(true);
  });

  it('strips CR and the BOM from the displayed text', async () => {
    await write('crlf.txt', '\uFEFFa\r\nb\r\n');
    const r = await run({ filePath: 'crlf.txt' });
    expect(r.output).toContain('<content>\n1: a\n2: b\n\n(End of file - total 2 lines)');
  });

  it('lists a directory sorted with / on folders', async () => {
    await write('d/b.txt', 'x');
    await write('d/a/inner.txt', 'x');
    await write('d/c.txt', 'x');
    const r = await run({ filePath: 'd' });
    expect(r.output).toBe(
      `<path>${path.join(sb.ws.root, 'd')}</path>\n<type>directory</type>\n<entries>\na/\nb.txt\nc.txt\n\n(3 entries)\n</entries>`,
    );
  });

  it('returns images and PDFs as data-URL attachments', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
    await write('img.png', png);
    await write('doc.pdf', '%PDF-1.4\n%\xff\n');
    const img = await run({ filePath: 'img.png' });
    expect(img.output).toBe('Image read successfully');
    expect(img.attachments).toEqual([
      { mime: 'image/png', url: `data:image/png;base64,${png.toString('base64')}`, filename: 'img.png' },
    ]);
    const pdf = await run({ filePath: 'doc.pdf' });
    expect(pdf.attachments![0].mime).toBe('application/pdf');
    expect(pdf.attachments![0].url.startsWith('data:application/pdf;base64,')).toBe(true);
  });

  it('refuses binary files', async () => {
    await write('blob.dat2', Buffer.from([1, 2, 0, 3, 4]));
    await expect(run({ filePath: 'blob.dat2' })).rejects.toThrow('Cannot read binary file: blob.dat2');
    await write('archive.zip', 'PK');
    await expect(run({ filePath: 'archive.zip' })).rejects.toBeInstanceOf(ToolError);
  });

  it('suggests similar names for a missing file and asks nothing', async () => {
    await write('src/config.ts', 'x');
    await write('src/config.test.ts', 'x');
    await write('src/other.ts', 'x');
    const ctx = makeToolContext(sb.ws);
    const err = await run({ filePath: 'src/config.js' }, ctx).then(
      () => undefined as never,
      (e: Error) => e,
    );
    expect(err).toBeInstanceOf(ToolError);
    expect(err.message).toContain('File not found: src/config.js');
    expect(err.message).toContain('Did you mean one of these?');
    expect(err.message).toContain(path.join(sb.ws.root, 'src/config.ts'));
    expect(err.message).not.toContain('other.ts');
    expect(ctx.asks).toEqual([]);
  });

  it('stops when the permission is rejected', async () => {
    await write('.env', 'KEY=1');
    const ctx = makeToolContext(sb.ws, {
      reject: (a) => (a.patterns.includes('.env') ? new Error('rejected by user') : undefined),
    });
    await expect(run({ filePath: '.env' }, ctx)).rejects.toThrow('rejected by user');
  });

  it('asks for both the link name and its target when a link hides a path', async () => {
    await write('.env', 'KEY=1');
    await fs.symlink('.env', path.join(sb.ws.root, 'innocent.txt'));
    const ctx = makeToolContext(sb.ws);
    await run({ filePath: 'innocent.txt' }, ctx);
    expect(ctx.asks[0].patterns).toEqual(['innocent.txt', '.env']);
  });

  it('rejects invalid parameters with a rewrite hint', async () => {
    await expect(run({ filePath: 'x', offset: 0 })).rejects.toThrow(/offset/);
    await expect(run({})).rejects.toThrow(/filePath/);
  });

  it('reads saved tool output outside the project after an external_directory ask', async () => {
    const saved = path.join(sb.ws.outputDir!, 'tool_abc');
    await fs.writeFile(saved, 'full output line\n');
    const ctx = makeToolContext(sb.ws);
    const r = await run({ filePath: saved }, ctx);
    expect(r.output).toContain('1: full output line');
    expect(ctx.asks.map((a) => [a.permission, a.patterns])).toEqual([
      ['external_directory', [`${sb.ws.outputDir}/*`]],
      ['read', [saved]],
    ]);
  });
});
