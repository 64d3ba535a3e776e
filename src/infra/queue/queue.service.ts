import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Job, Queue, QueueEvents, Worker, type JobType } from 'bullmq';
import type { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { ServiceUnavailableError } from '../../core/errors/domain-error';
import { settlesWithin } from '../../core/lifecycle/settles-within';
import { LOGGER } from '../../core/logging/logger';
import { MetricsService } from '../metrics/metrics.service';
import { continueTrace, inSpan, traceCarrier } from '../telemetry/tracing';
import { QUEUE_BACKEND, type QueueBackend } from './queue.backend';

// BullMQ's constructors are typed per backend; ours is chosen at runtime, so erase that generic once here.
type AnyProcessor = (job: Job) => Promise<unknown>;
const QueueCtor = Queue as unknown as new (name: string, opts: object, factory?: unknown) => Queue;
const WorkerCtor = Worker as unknown as new (
  name: string,
  processor: AnyProcessor,
  opts: object,
  factory?: unknown,
) => Worker;
const QueueEventsCtor = QueueEvents as unknown as new (name: string, opts: object, factory?: unknown) => QueueEvents;
import {
  DEFAULT_JOB_OPTIONS,
  JobCatalogue,
  QueueName,
  type JobName,
  type JobPayload,
  type JobProcessor,
} from './queue.catalogue';

/** How long enqueueing may wait for the queue's backend before the caller is told it is unavailable. */
export const ENQUEUE_TIMEOUT_MS = 15_000;

const STORED_STATES: JobType[] = ['waiting', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'];

/**
 * One typed `enqueue()` for producers and a processor registry for consumers. Workers start only in processes
 * that run them (`npm run worker`, or the API with WORKERS_IN_API=true), on Redis or BullMQ's Postgres backend.
 */
@Injectable()
export class QueueService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly queues = new Map<QueueName, Queue>();
  private readonly processors = new Map<string, JobProcessor<JobName>>();
  private readonly workers: Worker[] = [];
  private events?: Map<QueueName, QueueEvents>;
  private closing = false;

  constructor(
    @Inject(QUEUE_BACKEND) private readonly backend: QueueBackend,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * The producers connect at boot, not on their first job: a connection that never came up makes BullMQ wait for
   * it without bound (a Redis outage held `POST /admin/jobs/health` past any client's patience), while one that
   * connected and lost Redis fails its commands after two reconnects, answered 503. Not awaited: a slow Redis
   * does not hold the boot up.
   */
  onApplicationBootstrap(): void {
    if (this.backend.kind === 'redis') for (const name of Object.values(QueueName)) this.queue(name);
  }

  get backendName(): 'redis' | 'postgres' {
    return this.backend.kind;
  }

  queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new QueueCtor(
        name,
        { connection: this.backend.connection(), defaultJobOptions: DEFAULT_JOB_OPTIONS },
        this.backend.factory,
      );
      q.on('error', (err) => this.connectionError(err, name, 'queue error'));
      this.queues.set(name, q);
    }
    return q;
  }

  async enqueue<J extends JobName>(
    job: J,
    payload: JobPayload<J>,
    opts: { jobId?: string; delayMs?: number } = {},
  ): Promise<Job> {
    const spec = JobCatalogue[job];
    // The enqueuer's trace rides along (`_trace`, W3C headers); the payload schema strips it before processors.
    const trace = traceCarrier();
    const data = { ...spec.payload.parse(payload), ...(Object.keys(trace).length ? { _trace: trace } : {}) };
    const adding = this.queue(spec.queue).add(job, data, { jobId: opts.jobId, delay: opts.delayMs });
    // A queue that never reached its backend waits for it without bound; the caller gets a 503 instead.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ServiceUnavailableError(`The job queue did not take ${job} within ${ENQUEUE_TIMEOUT_MS / 1000} s`),
          ),
        ENQUEUE_TIMEOUT_MS,
      );
    });
    return Promise.race([adding, deadline]).finally(() => clearTimeout(timer));
  }

  /**
   * A repeating job on a cron pattern, kept once per scheduler id across restarts and processes. Not awaited by
   * boot (a slow backend must not hold it up for a job that runs hourly or daily); off in test apps, which live
   * for seconds and would only add noise to the shared queue storage.
   */
  schedule<J extends JobName>(schedulerId: string, pattern: string, job: J, payload: JobPayload<J>): void {
    if (this.config.env === 'test') return;
    const data = JobCatalogue[job].payload.parse(payload);
    void this.queue(JobCatalogue[job].queue)
      .upsertJobScheduler(schedulerId, { pattern }, { name: job, data })
      .catch((err) => this.logger.warn({ err, job }, 'could not schedule a repeating job'));
  }

  /** Domain modules register their processors at init; workers pick them up when started. */
  register<J extends JobName>(job: J, processor: JobProcessor<J>): void {
    this.processors.set(job, processor as JobProcessor<JobName>);
  }

  startWorkers(): void {
    for (const name of Object.values(QueueName)) {
      const worker = new WorkerCtor(
        name,
        async (job: Job) => {
          const processor = this.processors.get(job.name);
          if (!processor) throw new Error(`No processor for job ${job.name}`);
          const spec = JobCatalogue[job.name as JobName];
          const end = this.metrics.jobDuration.startTimer({ queue: name, job: job.name });
          const attributes = { 'messaging.system': 'bullmq', 'opencode.tenant': String(job.data?.tenantId ?? '') };
          return continueTrace(job.data?._trace, () =>
            inSpan(`job ${job.name}`, attributes, async () => {
              try {
                const result = await processor(spec.payload.parse(job.data) as never, {
                  jobId: job.id ?? '',
                  attempt: job.attemptsMade + 1,
                });
                end({ outcome: 'completed' });
                return result;
              } catch (err) {
                end({ outcome: 'failed' });
                throw err;
              }
            }),
          );
        },
        // runRetryDelay: after a connection error BullMQ waits this long before fetching again (default 15 s).
        { connection: this.backend.connection(true), concurrency: 4, autorun: true, runRetryDelay: 1000 },
        this.backend.factory,
      );
      worker.on('failed', (job: Job | undefined, err: Error) =>
        this.logger.warn({ err, job: job?.name, jobId: job?.id }, 'job failed'),
      );
      worker.on('error', (err: Error) => this.connectionError(err, name, 'worker error'));
      this.workers.push(worker);
    }
    this.logger.info({ backend: this.backend.kind, queues: Object.values(QueueName) }, 'queue workers started');
  }

  get workersRunning(): boolean {
    return this.workers.length > 0;
  }

  /**
   * Waits for a job's result (used by the health job and tests): on the queue's completion events, and by polling
   * the job's own state once a second. The events alone can miss a completion: a listener created just now reads
   * from '$' and only starts its XREAD after it connects, and one living through a Redis restart reconnects with
   * a backoff, so a job that finishes in that gap would otherwise be reported as never finishing.
   */
  async waitForResult(job: Job, timeoutMs: number): Promise<unknown> {
    this.events ??= new Map();
    const queueName = job.queueName as QueueName;
    const id = job.id ?? '';
    let ev = this.events.get(queueName);
    if (!ev) {
      ev = new QueueEventsCtor(queueName, { connection: this.backend.connection(true) }, this.backend.factory);
      ev.on('error', (err) => this.logger.warn({ err, queue: queueName }, 'queue events error'));
      this.events.set(queueName, ev);
    }
    const events = ev as unknown as EventEmitter; // per-job event names are not in BullMQ's listener types
    const queue = this.queue(queueName);
    return new Promise((resolve, reject) => {
      let done = false;
      const finish = (settle: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearInterval(poll);
        events.off(`completed:${id}`, onCompleted);
        events.off(`failed:${id}`, onFailed);
        settle();
      };
      const onCompleted = (args: { returnvalue: unknown }) => finish(() => resolve(args.returnvalue));
      const onFailed = (args: { failedReason: string }) => finish(() => reject(new Error(args.failedReason)));
      const check = async () => {
        const state = await queue.getJobState(id).catch(() => undefined);
        if (done || (state !== 'completed' && state !== 'failed')) return;
        const finished = await Job.fromId(queue, id).catch(() => undefined);
        if (!finished) return;
        if (state === 'completed') onCompleted({ returnvalue: finished.returnvalue });
        else onFailed({ failedReason: finished.failedReason });
      };
      events.on(`completed:${id}`, onCompleted);
      events.on(`failed:${id}`, onFailed);
      const timer = setTimeout(
        () => finish(() => reject(new Error(`Job ${job.name} (id=${id}) did not finish within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const poll = setInterval(() => void check(), 1000);
      void check();
    });
  }

  /**
   * Removes every stored job whose payload matches (waiting, delayed, finished or failed: BullMQ keeps payloads of
   * finished jobs for a day and of failed ones until removed). A running job holds a lock and cannot be removed;
   * those are counted as `active` and end on their own (their rows are gone).
   */
  async removeJobs(match: (data: Record<string, unknown>) => boolean): Promise<{ removed: number; active: number }> {
    let removed = 0;
    let active = 0;
    for (const name of Object.values(QueueName)) {
      const queue = this.queue(name);
      for (let start = 0; ; start += 500) {
        const jobs = await queue.getJobs(STORED_STATES, start, start + 499);
        const hits = jobs.filter((j) => j && match((j.data ?? {}) as Record<string, unknown>));
        for (const job of hits) {
          const ok = await job.remove().then(
            () => true,
            () => false,
          );
          if (ok) removed++;
        }
        if (jobs.length < 500) break;
        // Removed jobs shift the pages: read the same page again.
        start -= hits.length;
      }
      active += (await queue.getJobs(['active'])).filter((j) => j && match(j.data ?? {})).length;
    }
    return { removed, active };
  }

  async ping(): Promise<boolean> {
    const q = this.queue(QueueName.Maintenance);
    await q.waitUntilReady();
    await q.getJobCounts('waiting');
    return true;
  }

  /** After shutdown, connections that the database drops on its way down are expected, not news. */
  private connectionError(err: Error, queue: QueueName, msg: string): void {
    if (this.closing) this.logger.debug({ err, queue }, msg);
    else this.logger.warn({ err, queue }, msg);
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    // Drain: workers finish their current job (bounded), then connections close.
    await settlesWithin(Promise.allSettled(this.workers.map((w) => w.close())), this.config.shutdownGraceMs);
    const step = async (what: string, work: Promise<unknown>) => {
      if (!(await settlesWithin(work, this.config.shutdownGraceMs)))
        this.logger.warn({ step: what, graceMs: this.config.shutdownGraceMs }, 'queue shutdown step overran; going on');
    };
    await step('queue events', Promise.allSettled([...(this.events?.values() ?? [])].map((e) => e.close())));
    await step('queues', Promise.allSettled([...this.queues.values()].map((q) => q.close())));
    await step('backend', this.backend.close());
  }
}
