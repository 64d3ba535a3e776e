import type { SchemaStep } from '../database/embedded-postgres.cluster';

/**
 * BullMQ's Postgres schema as a step of the embedded database: applied at boot (and so part of the embedded
 * database's snapshot) instead of through the first queue connection. Its version is BullMQ's own (pinned): a new
 * release may bring a schema migration, and reading it does not load BullMQ, which main.ts would otherwise load
 * before it starts the database.
 */
export function queueSchemaStep(): SchemaStep {
  const { version } = require('bullmq/package.json') as { version: string };
  return {
    name: 'bullmq',
    version,
    apply: (client) => {
      const { runMigrations } = require('bullmq') as typeof import('bullmq');
      return runMigrations(client as unknown as Parameters<typeof runMigrations>[0]);
    },
  };
}
