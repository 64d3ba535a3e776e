import { z } from 'zod';

// The one job catalogue (STYLE rule 9): queue names, job names, payload schemas and options in one place.
// Every payload carries tenantId; deterministic job ids de-duplicate.

export const QueueName = {
  Session: 'session',
  Maintenance: 'maintenance',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

const tenant = { tenantId: z.string().min(1) };

export const JobCatalogue = {
  'maintenance.health': { queue: QueueName.Maintenance, payload: z.object({ ...tenant, nonce: z.string() }) },
  'maintenance.snapshot-gc': { queue: QueueName.Maintenance, payload: z.object({ ...tenant }) },
  'maintenance.tool-output-cleanup': { queue: QueueName.Maintenance, payload: z.object({ ...tenant }) },
  'maintenance.retention': { queue: QueueName.Maintenance, payload: z.object({ ...tenant }) },
  'maintenance.plugin-key-sweep': { queue: QueueName.Maintenance, payload: z.object({ ...tenant }) },
  'classroom.collect': {
    queue: QueueName.Maintenance,
    payload: z.object({ ...tenant, assignmentId: z.string(), dueAt: z.number().int() }),
  },
  'session.title': {
    queue: QueueName.Session,
    payload: z.object({ ...tenant, sessionId: z.string(), messageId: z.string() }),
  },
  'session.summary': {
    queue: QueueName.Session,
    payload: z.object({ ...tenant, sessionId: z.string(), messageId: z.string().optional() }),
  },
  'session.compaction': {
    queue: QueueName.Session,
    payload: z.object({
      ...tenant,
      sessionId: z.string(),
      messageId: z.string(),
      auto: z.boolean(),
      overflow: z.boolean().optional(),
    }),
  },
} as const;

export type JobName = keyof typeof JobCatalogue;
export type JobPayload<J extends JobName> = z.infer<(typeof JobCatalogue)[J]['payload']>;
export type JobProcessor<J extends JobName> = (
  payload: JobPayload<J>,
  meta: { jobId: string; attempt: number },
) => Promise<unknown>;

export const DEFAULT_JOB_OPTIONS = {
  attempts: 5,
  backoff: { type: 'exponential' as const, delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  // Failed jobs stay for inspection in the dashboard.
  removeOnFail: false as const,
};
