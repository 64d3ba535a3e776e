import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/logging/logger';
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
}

const MAX_CACHED = 500;

/** One GitSnapshot per project (the engine keeps per-instance state: repo ready, last exclude file). */
@Injectable()
export class SnapshotService {
  private readonly engines = new Map<string, GitSnapshot>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  engine(target: SnapshotTarget): GitSnapshot {
    const key = `${target.tenantId}/${target.projectId}\0${target.directory}`;
    let engine = this.engines.get(key);
    if (!engine) {
      if (this.engines.size >= MAX_CACHED) this.engines.delete(this.engines.keys().next().value!);
      engine = new GitSnapshot({ snapshotRoot: this.config.snapshotRoot, tenantId: target.tenantId, projectId: target.projectId, workspace: target.directory });
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
        return await work(this.engine(target));
      } catch (err) {
        this.logger.warn({ err, projectId: target.projectId }, `snapshot ${what} failed; step continues without it`);
        return undefined;
      }
    };
    return {
      track: () => safe('track', (engine) => engine.track()),
      patch: (hash) => safe('patch', (engine) => engine.patch(hash)),
      trackSince: (hash) => safe('track', (engine) => engine.trackSince(hash)),
    };
  }
}
