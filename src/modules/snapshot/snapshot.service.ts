import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/logging/logger';
import { EventBus } from '../event/event.bus';
import { EventType } from '../event/event.types';
import { GitSnapshot } from './snapshot.git';
import type { SnapshotPatch } from './snapshot.types';

/** Where a session's files live: the project's snapshot repo tracks the session's directory. */
export interface SnapshotTarget {
  tenantId: string;
  projectId: string;
  directory: string;
}

/** What the step processor asks for around each model step. Both calls are best effort: undefined on failure. */
export interface StepSnapshots {
  track(): Promise<string | undefined>;
  patch(hash: string): Promise<SnapshotPatch | undefined>;
  /** The tree now and the files changed since `hash`. */
  trackSince(hash: string): Promise<{ tree: string; patch: SnapshotPatch } | undefined>;
  /** A tool that may write files is about to run: the next track() must look at the disk again. */
  markChanged(): void;
}

/** Tools that never write to the workspace; any other tool (bash, edit, MCP, ...) may. */
const READ_ONLY_TOOLS = new Set([
  'read',
  'glob',
  'grep',
  'list',
  'todowrite',
  'todoread',
  'webfetch',
  'websearch',
  'codesearch',
  'question',
  'skill',
  'lsp',
  'invalid',
  'plan_enter',
  'plan_exit',
  'task',
]);

export function mayWrite(tool: string): boolean {
  return !READ_ONLY_TOOLS.has(tool);
}

/** Staging the workspace costs several git processes; a tree is reused while nothing could have changed it. */
const TREE_REUSE_MS = 30_000;

const MAX_CACHED = 500;

/** One GitSnapshot per project (the engine keeps per-instance state: repo ready, last exclude file). */
@Injectable()
export class SnapshotService implements OnModuleInit, OnModuleDestroy {
  private readonly engines = new Map<string, GitSnapshot>();
  /** Per project: a change counter, and the last tree taken with the counter value it was taken at. */
  private readonly trees = new Map<string, { version: number; tree?: string; treeVersion?: number; at?: number }>();
  /**
   * Per project and directory: the staging in flight and the change counter it started at. Steps that start
   * together (a class's hundred prompts landing at once) share it: each would otherwise stage the same workspace
   * again behind the engine's lock, several git processes each, and every spawn holds the event loop of the
   * process, other schools' prompts included.
   */
  private readonly staging = new Map<string, { version: number; tree: Promise<string | undefined> }>();
  private off?: () => void;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly bus: EventBus,
  ) {}

  onModuleInit(): void {
    // Tools of any API process (and the user shell) announce themselves as running tool parts: a writing tool
    // in a project makes every process look at that project's disk again.
    this.off = this.bus.subscribe(
      (e) => e.event.type === EventType.PartUpdated && !!e.projectId,
      (e) => {
        const part = e.event.properties.part as
          { type?: string; tool?: string; state?: { status?: string } } | undefined;
        if (part?.type === 'tool' && part.state?.status === 'running' && part.tool && mayWrite(part.tool))
          this.changed(`${e.tenantId}/${e.projectId}`);
      },
    );
  }

  onModuleDestroy(): void {
    this.off?.();
  }

  private changed(projectKey: string): void {
    const state = this.trees.get(projectKey) ?? { version: 0 };
    state.version++;
    this.trees.set(projectKey, state);
  }

  /** The engine for direct use (revert, restore, diff): callers may change files, so cached trees are dropped. */
  engine(target: SnapshotTarget): GitSnapshot {
    this.changed(`${target.tenantId}/${target.projectId}`);
    return this.engineFor(target);
  }

  /**
   * The engine for comparing stored trees only (`diffFull`: the session summary after every prompt). It leaves the
   * cached trees alone; `engine()` would make the next step stage the whole workspace again for nothing.
   */
  treeReader(target: SnapshotTarget): Pick<GitSnapshot, 'diffFull'> {
    return this.engineFor(target);
  }

  private engineFor(target: SnapshotTarget): GitSnapshot {
    const key = `${target.tenantId}/${target.projectId}\0${target.directory}`;
    let engine = this.engines.get(key);
    if (!engine) {
      if (this.engines.size >= MAX_CACHED) this.engines.delete(this.engines.keys().next().value!);
      engine = new GitSnapshot({
        snapshotRoot: this.config.snapshotRoot,
        tenantId: target.tenantId,
        projectId: target.projectId,
        workspace: target.directory,
      });
      this.engines.set(key, engine);
    }
    return engine;
  }

  /**
   * Snapshot calls for the loop. A git failure must never fail a model step: it is logged and the step simply
   * carries no snapshot (revert then has nothing to undo for that step).
   */
  forStep(target: SnapshotTarget, enabled: boolean): StepSnapshots | undefined {
    if (!enabled) return undefined;
    const safe = async <T>(what: string, work: (engine: GitSnapshot) => Promise<T>): Promise<T | undefined> => {
      try {
        return await work(this.engineFor(target));
      } catch (err) {
        this.logger.warn({ err, projectId: target.projectId }, `snapshot ${what} failed; step continues without it`);
        return undefined;
      }
    };
    const key = `${target.tenantId}/${target.projectId}`;
    const stagingKey = `${key}\0${target.directory}`;
    const state = () => {
      let s = this.trees.get(key);
      if (!s) this.trees.set(key, (s = { version: 0 }));
      if (this.trees.size > 5000) this.trees.delete(this.trees.keys().next().value!);
      return s;
    };
    const reusable = (s: ReturnType<typeof state>) =>
      !!s.tree && s.treeVersion === s.version && Date.now() - (s.at ?? 0) < TREE_REUSE_MS;
    const remember = (s: ReturnType<typeof state>, tree: string | undefined, version: number) => {
      if (tree) Object.assign(s, { tree, treeVersion: version, at: Date.now() });
    };
    return {
      track: async () => {
        const s = state();
        if (reusable(s)) return s.tree;
        const version = s.version;
        const running = this.staging.get(stagingKey);
        if (running && running.version === version) return running.tree;
        const tree = safe('track', (engine) => engine.track()).then((t) => {
          remember(s, t, version);
          return t;
        });
        const entry = { version, tree };
        this.staging.set(stagingKey, entry);
        try {
          return await tree;
        } finally {
          if (this.staging.get(stagingKey) === entry) this.staging.delete(stagingKey);
        }
      },
      patch: (hash) => safe('patch', (engine) => engine.patch(hash)),
      trackSince: async (hash) => {
        const s = state();
        if (reusable(s) && s.tree === hash) return { tree: hash, patch: { hash, files: [] } };
        const version = s.version;
        const result = await safe('track', (engine) => engine.trackSince(hash));
        remember(s, result?.tree, version);
        return result;
      },
      markChanged: () => this.changed(key),
    };
  }
}
