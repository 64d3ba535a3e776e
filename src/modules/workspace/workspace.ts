import type { Stats } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { WorkspaceHandle } from './workspace-handle';
import {
  hardLinkError,
  lstatOrUndefined,
  mkdirInside,
  notFoundError,
  readVerified,
  specialFileError,
  tooLargeError,
  writeAtomic,
} from './workspace-io';
import { isInside, lexicalResolve, outsideError, relativeTo } from './workspace-path';
import { diskUsage, entryType, type EntryType } from './workspace-walk';
import { QuotaExceededError, WorkspaceError, WorkspaceErrorCode } from './workspace.errors';

export const WorkspaceOptionsSchema = z.object({
  root: z.string().min(1),
  /** Other spellings of the root a caller may use (the virtual path its users are shown). */
  aliases: z.array(z.string().min(1)).default([]),
  tenantId: z.string().min(1),
  projectId: z.string().min(1),
  /** Largest file the helpers will read into memory. */
  maxReadBytes: z
    .number()
    .int()
    .positive()
    .default(10 * 1024 * 1024),
  /** Largest single file the helpers will write. */
  maxWriteBytes: z
    .number()
    .int()
    .positive()
    .default(10 * 1024 * 1024),
  /** Disk quota for the whole project folder; unlimited when absent. */
  quotaBytes: z.number().int().positive().optional(),
  /** How long a measured usage is trusted before the folder is walked again (other writers, e.g. bash). */
  usageTtlMs: z.number().int().min(0).default(30_000),
  /** Folder outside the project where truncated tool output is kept; readable, never writable, by tools. */
  outputDir: z.string().min(1).optional(),
  /** Reading multiply-linked files is refused too: their other name may be somewhere we cannot see. */
  allowHardLinkedReads: z.boolean().default(false),
});
export type WorkspaceOptions = z.input<typeof WorkspaceOptionsSchema>;
type ResolvedOptions = z.output<typeof WorkspaceOptionsSchema>;

export interface ResolvedPath {
  /** What the caller asked for, for messages. */
  input: string;
  /** Absolute path after following every symlink that exists (the thing actually touched). */
  real: string;
  /** `real` relative to the project root ('' for the root); for output files, the absolute path. */
  relative: string;
  /** The caller's own spelling made absolute and relative to the root, before following links. */
  lexicalRelative: string;
  area: 'project' | 'output';
  /** Real path of the folder the path was confined to (the project root or the output folder). */
  areaRoot: string;
  /** lstat of `real` when it exists. */
  stat?: Stats;
}

export interface ResolveOptions {
  /** The path will be written or removed: the read-only output area is refused. */
  write?: boolean;
}

export interface WorkspaceEntry {
  name: string;
  relative: string;
  absolute: string;
  type: EntryType;
  size: number;
  mtimeMs: number;
}

/** A project's folder and the only door the file tools and file routes have into it. */
export class Workspace implements WorkspaceHandle {
  readonly root: string;
  readonly tenantId: string;
  readonly projectId: string;
  readonly options: Readonly<ResolvedOptions>;
  readonly outputDir?: string;
  private readonly aliases: string[];
  private usageCache?: { bytes: number; at: number };

  private constructor(opts: ResolvedOptions, realRoot: string, realOutput: string | undefined) {
    this.options = Object.freeze(opts);
    this.root = realRoot;
    this.tenantId = opts.tenantId;
    this.projectId = opts.projectId;
    this.outputDir = realOutput;
    this.aliases = [path.resolve(opts.root), ...opts.aliases];
  }

  /** Opens an existing project folder (its real path becomes the root). */
  static async open(options: WorkspaceOptions): Promise<Workspace> {
    const opts = WorkspaceOptionsSchema.parse(options);
    const realRoot = await fs.realpath(opts.root);
    if (!(await fs.stat(realRoot)).isDirectory()) throw new Error(`Workspace root ${opts.root} is not a directory`);
    let realOutput: string | undefined;
    if (opts.outputDir) {
      await fs.mkdir(opts.outputDir, { recursive: true, mode: 0o700 });
      realOutput = await fs.realpath(opts.outputDir);
      if (isInside(realRoot, realOutput) || isInside(realOutput, realRoot)) {
        throw new Error('The tool output folder must not overlap the workspace root');
      }
    }
    return new Workspace(opts, realRoot, realOutput);
  }

  /** A path as typed (relative, host or virtual spelling) made absolute on the real root; nothing is checked. */
  lexical(input: string): string {
    return lexicalResolve(this.root, input, this.aliases);
  }

  /**
   * Maps a user- or model-supplied path onto the disk, refusing anything that leaves the project: `..`,
   * foreign absolute paths, and symlinks (at any level, dangling ones included) whose target is outside.
   */
  async resolve(input: string, opts: ResolveOptions = {}): Promise<ResolvedPath> {
    const absolute = lexicalResolve(this.root, input, this.aliases);
    let areaRoot: string;
    let area: ResolvedPath['area'];
    if (isInside(this.root, absolute)) {
      [areaRoot, area] = [this.root, 'project'];
    } else if (this.outputDir && isInside(this.outputDir, absolute)) {
      if (opts.write) {
        throw new WorkspaceError(
          WorkspaceErrorCode.ReadOnly,
          `Refused: "${input}" is saved tool output and cannot be changed.`,
          { path: input },
        );
      }
      [areaRoot, area] = [this.outputDir, 'output'];
    } else {
      throw outsideError(input);
    }

    // Follow the deepest part of the path that exists; what lies below it cannot contain links yet.
    let existing = absolute;
    let stat = await lstatOrUndefined(existing);
    const missing: string[] = [];
    while (!stat && existing !== areaRoot) {
      missing.unshift(path.basename(existing));
      existing = path.dirname(existing);
      stat = await lstatOrUndefined(existing);
    }
    let realExisting: string;
    try {
      realExisting = await fs.realpath(existing);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ELOOP') {
        throw new WorkspaceError(
          WorkspaceErrorCode.OutsideWorkspace,
          `Refused: "${input}" goes through a broken or looping symbolic link.`,
          {
            path: input,
          },
        );
      }
      throw err;
    }
    if (!isInside(areaRoot, realExisting)) throw outsideError(input);
    if (missing.length > 0 && stat && !stat.isDirectory()) {
      // Names below a file can never exist; report the first missing name rather than ENOTDIR later.
      throw new WorkspaceError(
        WorkspaceErrorCode.NotADirectory,
        `"${relativeTo(areaRoot, existing)}" is a file, not a directory.`,
        {
          path: input,
        },
      );
    }
    const real = path.join(realExisting, ...missing);
    return {
      input,
      real,
      relative: area === 'project' ? relativeTo(this.root, real) : real,
      lexicalRelative: area === 'project' ? relativeTo(this.root, absolute) : absolute,
      area,
      areaRoot,
      stat: missing.length === 0 ? await lstatOrUndefined(real) : undefined,
    };
  }

  /** lstat of the resolved target, or undefined when it does not exist. */
  async stat(input: string): Promise<(Stats & { resolved: ResolvedPath }) | undefined> {
    const r = await this.resolve(input);
    if (!r.stat) return undefined;
    return Object.assign(r.stat, { resolved: r });
  }

  async readBytes(
    input: string,
    opts: { maxBytes?: number } = {},
  ): Promise<{ data: Buffer; stat: Stats; resolved: ResolvedPath }> {
    const r = await this.resolve(input);
    if (!r.stat) throw notFoundError(input);
    if (r.stat.isDirectory()) {
      throw new WorkspaceError(WorkspaceErrorCode.NotAFile, `"${input}" is a directory, not a file.`, { path: input });
    }
    if (!r.stat.isFile()) throw specialFileError(input, r.stat);
    const { data, stat } = await readVerified(r.real, r.areaRoot, input, {
      maxBytes: opts.maxBytes ?? this.options.maxReadBytes,
      allowHardLinks: this.options.allowHardLinkedReads,
    });
    return { data, stat, resolved: r };
  }

  /** UTF-8 text (a BOM, if present, is kept as U+FEFF so callers can preserve it). */
  async readText(input: string, opts: { maxBytes?: number } = {}): Promise<string> {
    const { data } = await this.readBytes(input, opts);
    return data.toString('utf8');
  }

  async writeText(input: string, content: string): Promise<ResolvedPath> {
    return this.writeBytes(input, Buffer.from(content, 'utf8'));
  }

  /** Atomic write, creating missing parent folders (inside the root only) and checking the quota. */
  async writeBytes(input: string, data: Buffer): Promise<ResolvedPath> {
    const r = await this.resolve(input, { write: true });
    if (data.length > this.options.maxWriteBytes) throw tooLargeError(input, data.length, this.options.maxWriteBytes);
    let mode: number | undefined;
    let owner: { uid: number; gid: number } | undefined;
    if (r.stat) {
      if (r.stat.isDirectory()) {
        throw new WorkspaceError(WorkspaceErrorCode.NotAFile, `"${input}" is a directory, not a file.`, {
          path: input,
        });
      }
      if (!r.stat.isFile()) throw specialFileError(input, r.stat);
      if (r.stat.nlink > 1) throw hardLinkError(input);
      mode = r.stat.mode & 0o777;
      owner = { uid: r.stat.uid, gid: r.stat.gid };
    }
    const delta = data.length - (r.stat?.size ?? 0);
    await this.checkQuota(delta);
    await mkdirInside(path.dirname(r.real), this.root, input);
    await writeAtomic(r.real, this.root, input, data, mode, owner);
    this.adjustUsage(delta);
    return r;
  }

  async mkdir(input: string): Promise<ResolvedPath> {
    const r = await this.resolve(input, { write: true });
    await mkdirInside(r.real, this.root, input);
    return r;
  }

  /** Deletes a file or link (the link itself, never its target); folders only with `recursive`. */
  async remove(input: string, opts: { recursive?: boolean } = {}): Promise<void> {
    const absolute = lexicalResolve(this.root, input, this.aliases);
    if (absolute === this.root)
      throw new WorkspaceError(WorkspaceErrorCode.InvalidPath, 'Refused: the project root cannot be removed.');
    // Resolve the parent only, so a link named by the caller is unlinked rather than followed.
    const parent = await this.resolve(path.dirname(absolute), { write: true });
    if (parent.area !== 'project') throw outsideError(input);
    const entry = path.join(parent.real, path.basename(absolute));
    const st = await lstatOrUndefined(entry);
    if (!st) throw notFoundError(input);
    if (st.isDirectory()) {
      if (!opts.recursive) {
        throw new WorkspaceError(WorkspaceErrorCode.NotAFile, `"${input}" is a directory; refusing to remove it.`, {
          path: input,
        });
      }
      await fs.rm(entry, { recursive: true });
      this.usageCache = undefined;
      return;
    }
    await fs.unlink(entry);
    this.adjustUsage(-st.size);
  }

  /** Direct children of a folder, links reported as links. */
  async list(input = '.'): Promise<WorkspaceEntry[]> {
    const r = await this.resolve(input);
    if (!r.stat) throw notFoundError(input);
    if (!r.stat.isDirectory()) {
      throw new WorkspaceError(WorkspaceErrorCode.NotADirectory, `"${input}" is not a directory.`, { path: input });
    }
    const dirents = await fs.readdir(r.real, { withFileTypes: true });
    const out: WorkspaceEntry[] = [];
    for (const d of dirents) {
      const absolute = path.join(r.real, d.name);
      const st = await lstatOrUndefined(absolute);
      if (!st) continue;
      out.push({
        name: d.name,
        absolute,
        relative: r.area === 'project' ? relativeTo(this.root, absolute) : absolute,
        type: entryType(d),
        size: st.size,
        mtimeMs: st.mtimeMs,
      });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Bytes used by the project folder (cached for `usageTtlMs`, adjusted by our own writes). */
  async usage(opts: { fresh?: boolean } = {}): Promise<number> {
    const now = Date.now();
    if (!opts.fresh && this.usageCache && now - this.usageCache.at <= this.options.usageTtlMs)
      return this.usageCache.bytes;
    const bytes = await diskUsage(this.root);
    this.usageCache = { bytes, at: now };
    return bytes;
  }

  /** Throws QuotaExceededError when growing the project by `deltaBytes` would pass the quota. */
  async checkQuota(deltaBytes: number): Promise<void> {
    const quota = this.options.quotaBytes;
    if (quota === undefined || deltaBytes <= 0) return;
    const used = await this.usage();
    if (used + deltaBytes > quota) throw new QuotaExceededError(used, quota, deltaBytes);
  }

  private adjustUsage(delta: number): void {
    if (this.usageCache) this.usageCache.bytes = Math.max(0, this.usageCache.bytes + delta);
  }
}

const adopted = new WeakMap<WorkspaceHandle, Promise<Workspace>>();

/** The Workspace behind a tool context's handle; a bare handle (tests, other callers) gets default limits. */
export function workspaceOf(handle: WorkspaceHandle): Promise<Workspace> {
  if (handle instanceof Workspace) return Promise.resolve(handle);
  let ws = adopted.get(handle);
  if (!ws) {
    ws = Workspace.open({ root: handle.root, tenantId: handle.tenantId, projectId: handle.projectId });
    adopted.set(handle, ws);
  }
  return ws;
}
