import { randomInt } from 'node:crypto';
import type { SessionRow } from './session.repository';
import type { SessionInfo } from './session.types';

export function toSessionInfo(row: SessionRow): SessionInfo {
  return {
    id: row.id,
    slug: row.slug,
    projectID: row.projectId,
    ...(row.workspaceId ? { workspaceID: row.workspaceId } : {}),
    directory: row.directory,
    ...(row.path ? { path: row.path } : {}),
    ...(row.parentId ? { parentID: row.parentId } : {}),
    title: row.title,
    version: row.version,
    ...(row.agent ? { agent: row.agent } : {}),
    ...(row.model ? { model: row.model as SessionInfo['model'] } : {}),
    ...(row.summaryFiles !== null
      ? {
          summary: {
            additions: row.summaryAdditions ?? 0,
            deletions: row.summaryDeletions ?? 0,
            files: row.summaryFiles,
          },
        }
      : {}),
    cost: Number(row.cost),
    tokens: {
      input: row.tokensInput,
      output: row.tokensOutput,
      reasoning: row.tokensReasoning,
      cache: { read: row.tokensCacheRead, write: row.tokensCacheWrite },
    },
    ...(row.shareUrl ? { share: { url: row.shareUrl } } : {}),
    ...(row.permission ? { permission: row.permission as SessionInfo['permission'] } : {}),
    ...(row.revert ? { revert: row.revert as SessionInfo['revert'] } : {}),
    ...(row.metadata ? { metadata: row.metadata as Record<string, unknown> } : {}),
    time: {
      created: row.createdAt.getTime(),
      updated: row.updatedAt.getTime(),
      ...(row.compactingAt ? { compacting: row.compactingAt.getTime() } : {}),
      ...(row.archivedAt ? { archived: row.archivedAt.getTime() } : {}),
    },
  };
}

const ADJECTIVES = [
  'brave',
  'calm',
  'clever',
  'eager',
  'gentle',
  'happy',
  'jolly',
  'kind',
  'lively',
  'lucky',
  'mighty',
  'nimble',
  'proud',
  'quick',
  'quiet',
  'shiny',
  'swift',
  'tidy',
  'witty',
  'zesty',
  'bold',
  'bright',
  'cosmic',
  'daring',
];
const NOUNS = [
  'otter',
  'falcon',
  'panda',
  'tiger',
  'eagle',
  'whale',
  'fox',
  'owl',
  'lynx',
  'heron',
  'koala',
  'badger',
  'comet',
  'river',
  'cedar',
  'maple',
  'harbor',
  'meadow',
  'pixel',
  'rocket',
  'walrus',
  'beacon',
  'canyon',
  'glacier',
];

export function randomSlug(): string {
  return `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}`;
}

export function defaultTitle(child: boolean, at = new Date()): string {
  return `${child ? 'Child session' : 'New session'} - ${at.toISOString()}`;
}

export function isDefaultTitle(title: string): boolean {
  return /^(New session|Child session) - \d{4}-\d{2}-\d{2}T/.test(title);
}
