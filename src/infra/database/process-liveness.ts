import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { LOGGER } from '../../core/logging/logger';
import type { LivenessLock } from './liveness-lock';
import { PrismaService } from './prisma.service';

/**
 * This process, as the owner of what it holds in Postgres (run leases, budget reservations): its owner string and
 * the one liveness lock (liveness-lock.ts) that tells the other processes it lives. Every row this process owns is
 * kept by that lock alone, so one lock serves them all. It is taken at bootstrap and given up only once every
 * module has handed its rows over (leases expired at module destroy), before the process exits.
 */
@Injectable()
export class ProcessLiveness implements OnApplicationBootstrap, BeforeApplicationShutdown {
  /** `<host>:<pid>:<boot id>`: never reused, so an owner found dead stays dead. */
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private lock?: LivenessLock;
  private started?: Promise<void>;

  constructor(
    private readonly prisma: PrismaService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    void this.ready();
  }

  /**
   * Settles once the lock is held (or its first attempt failed; it is retried in the background). A row inserted
   * before that would look like a dead process's to the other processes' sweeps.
   */
  ready(): Promise<void> {
    if (!this.started) {
      this.lock = this.prisma.livenessLock(this.owner, (err) =>
        this.logger.warn({ err }, 'the liveness connection failed; retrying'),
      );
      this.started = this.lock.start();
    }
    return this.started;
  }

  /** After every module's destroy hook: from now on this process's rows may be taken over. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.lock?.stop();
  }
}
