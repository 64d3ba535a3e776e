import zlib from 'node:zlib';
import * as tar from 'tar-stream';
import * as yauzl from 'yauzl';
import { BadRequestError } from '../../../core/errors/domain-error';

/** Bounds of an uploaded starter archive; every one is checked before a byte reaches the disk. */
export interface ArchiveLimits {
  /** Size of the uploaded archive itself. */
  maxArchiveBytes: number;
  maxFiles: number;
  /** Sum of the uncompressed sizes (a zip or gzip bomb stops here). */
  maxTotalBytes: number;
  maxFileBytes: number;
  maxPathLength: number;
  maxDepth: number;
}

export const STARTER_LIMITS: ArchiveLimits = {
  maxArchiveBytes: 10 * 1024 * 1024,
  maxFiles: 500,
  maxTotalBytes: 50 * 1024 * 1024,
  maxFileBytes: 10 * 1024 * 1024,
  maxPathLength: 240,
  maxDepth: 16,
};

export interface ArchiveFile {
  /** Relative, forward slashes, checked: no `..`, no absolute path, no `.git`. */
  path: string;
  data: Buffer;
}

const refuse = (message: string, details: Record<string, unknown> = {}) =>
  new BadRequestError(`Starter archive refused: ${message}`, details, 'archive_invalid');

/**
 * The checked relative path of an archive entry, or undefined for entries that only name a folder. Refuses
 * what could land outside the workspace (zip slip, absolute and drive paths, backslashes) and `.git`, which
 * would replace the repository the starting commit lives in.
 */
export function checkEntryPath(raw: string, limits: ArchiveLimits = STARTER_LIMITS): string | undefined {
  if (raw.includes('\0')) throw refuse('a path contains a NUL byte');
  if (raw.includes('\\')) throw refuse(`backslash in path "${raw}"`, { path: raw });
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) throw refuse(`absolute path "${raw}"`, { path: raw });
  const segments = raw.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.length === 0) return undefined;
  if (segments.includes('..')) throw refuse(`path "${raw}" leaves the folder (..)`, { path: raw });
  if (segments.some((s) => s.toLowerCase() === '.git')) throw refuse(`path "${raw}" is inside .git`, { path: raw });
  const clean = segments.join('/');
  if (clean.length > limits.maxPathLength || segments.length > limits.maxDepth)
    throw refuse(`path "${clean.slice(0, 80)}…" is too long or too deep`, { path: clean.slice(0, 240) });
  return clean;
}

class Budget {
  private files = 0;
  private bytes = 0;
  private readonly seen = new Set<string>();

  constructor(private readonly limits: ArchiveLimits) {}

  /** Called with the size an entry declares, before it is read. */
  admit(path: string, size: number): void {
    if (this.seen.has(path)) throw refuse(`"${path}" appears twice`, { path });
    this.seen.add(path);
    if (++this.files > this.limits.maxFiles) throw refuse(`more than ${this.limits.maxFiles} files`);
    if (size > this.limits.maxFileBytes)
      throw refuse(`"${path}" is larger than ${this.limits.maxFileBytes} bytes`, { path, size });
    this.bytes += size;
    if (this.bytes > this.limits.maxTotalBytes)
      throw refuse(`more than ${this.limits.maxTotalBytes} bytes once unpacked`, { limit: this.limits.maxTotalBytes });
  }
}

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

async function readZip(buf: Buffer, limits: ArchiveLimits): Promise<ArchiveFile[]> {
  let zip: yauzl.ZipFile;
  try {
    // validateEntrySizes: a local header that lies about its size fails the read instead of inflating on.
    zip = await yauzl.fromBufferPromise(buf, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true });
  } catch (err) {
    throw refuse(`not a readable zip (${(err as Error).message})`);
  }
  const budget = new Budget(limits);
  const files: ArchiveFile[] = [];
  try {
    for (;;) {
      const entry = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
        zip.once('entry', resolve);
        zip.once('end', () => resolve(undefined));
        zip.once('error', reject);
        zip.readEntry();
      }).catch((err: Error) => {
        if (err instanceof Error && 'status' in err) throw err;
        throw refuse(`zip entry refused (${err.message})`);
      });
      zip.removeAllListeners('entry');
      zip.removeAllListeners('end');
      zip.removeAllListeners('error');
      if (!entry) break;
      const rawName = entry.fileName;
      const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
      if (type === S_IFLNK) throw refuse(`"${rawName}" is a symbolic link`, { path: rawName });
      if (type !== 0 && type !== S_IFREG && type !== S_IFDIR)
        throw refuse(`"${rawName}" is not a regular file`, { path: rawName });
      const path = checkEntryPath(rawName, limits);
      if (!path || rawName.endsWith('/')) continue;
      budget.admit(path, entry.uncompressedSize);
      const stream = await zip.openReadStreamPromise(entry).catch((err: Error) => {
        throw refuse(`"${path}" cannot be read (${err.message})`, { path });
      });
      const chunks: Buffer[] = [];
      let read = 0;
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          read += chunk.length;
          // validateEntrySizes checks at the end; this stops a lying entry as soon as it overflows.
          if (read > entry.uncompressedSize) throw refuse(`"${path}" is larger than it declares`, { path });
          chunks.push(chunk);
        }
      } catch (err) {
        stream.destroy();
        if (err instanceof BadRequestError) throw err;
        throw refuse(`"${path}" cannot be read (${(err as Error).message})`, { path });
      }
      files.push({ path, data: Buffer.concat(chunks) });
    }
  } finally {
    zip.close();
  }
  return files;
}

async function readTarGz(buf: Buffer, limits: ArchiveLimits): Promise<ArchiveFile[]> {
  let tarball: Buffer;
  try {
    // One byte over the bound is enough to know it is a bomb; a tar adds headers, hence the slack.
    tarball = zlib.gunzipSync(buf, { maxOutputLength: limits.maxTotalBytes + limits.maxFiles * 1024 + 1024 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError)
      throw refuse(`more than ${limits.maxTotalBytes} bytes once unpacked`, { limit: limits.maxTotalBytes });
    throw refuse(`not a readable gzip (${(err as Error).message})`);
  }
  const budget = new Budget(limits);
  const files: ArchiveFile[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      // Destroying the extractor errors the entry stream too; the reason already travels on the extractor.
      stream.on('error', () => undefined);
      const fail = (err: Error) => {
        stream.resume();
        extract.destroy(err);
      };
      try {
        if (header.type === 'symlink' || header.type === 'link')
          throw refuse(`"${header.name}" is a ${header.type === 'link' ? 'hard' : 'symbolic'} link`, {
            path: header.name,
          });
        if (header.type !== 'file' && header.type !== 'directory')
          throw refuse(`"${header.name}" is not a regular file (${header.type})`, { path: header.name });
        const path = checkEntryPath(header.name, limits);
        if (!path || header.type === 'directory') {
          stream.resume();
          stream.on('end', next);
          return;
        }
        budget.admit(path, header.size ?? 0);
        const chunks: Buffer[] = [];
        stream.on('data', (c: unknown) => chunks.push(c as Buffer));
        stream.on('end', () => {
          files.push({ path, data: Buffer.concat(chunks) });
          next();
        });
      } catch (err) {
        fail(err as Error);
      }
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(tarball);
  try {
    await done;
  } catch (err) {
    if (err instanceof BadRequestError) throw err;
    throw refuse(`not a readable tar (${(err as Error).message})`);
  }
  return files;
}

/** Reads a zip or a tar.gz (told apart by their first bytes) into checked files, all in memory and bounded. */
export async function readStarterArchive(buf: Buffer, limits: ArchiveLimits = STARTER_LIMITS): Promise<ArchiveFile[]> {
  if (!Buffer.isBuffer(buf) || buf.length === 0)
    throw refuse('the body is empty: send the archive bytes as application/zip or application/gzip');
  if (buf.length > limits.maxArchiveBytes)
    throw refuse(`the archive is larger than ${limits.maxArchiveBytes} bytes`, { limit: limits.maxArchiveBytes });
  if (buf[0] === 0x50 && buf[1] === 0x4b) return readZip(buf, limits);
  if (buf[0] === 0x1f && buf[1] === 0x8b) return readTarGz(buf, limits);
  throw refuse('not a zip or tar.gz archive');
}
