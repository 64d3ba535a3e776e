import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import { BadRequestError } from '../../core/errors/domain-error';
import { MAX_EPOCH_MS } from '../../core/http/dto-values';
import { ProjectService } from '../project/project.service';
import { SessionFacade } from '../session/session.facade';
import type { SessionInfo } from '../session/session.types';
import type {
  ApiSessionListQueryDto,
  ReferencesResponseDto,
  SessionsResponseDto,
  SessionV2InfoDto,
} from './dto/api-v2.dto';

interface Cursor {
  order: 'asc' | 'desc';
  anchor: { id: string; time: number; direction: 'next' | 'previous' };
}

const encode = (c: Cursor) => Buffer.from(JSON.stringify(c)).toString('base64url');

const validTime = (t: unknown) => Number.isSafeInteger(t) && (t as number) >= 0 && (t as number) <= MAX_EPOCH_MS;

function decode(raw: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Cursor;
    const a = c?.anchor;
    if ((c.order === 'asc' || c.order === 'desc') && typeof a?.id === 'string' && validTime(a.time))
      if (a.direction === 'next' || a.direction === 'previous') return c;
  } catch {
    /* refused below */
  }
  throw new BadRequestError('Invalid cursor', {}, 'invalid_cursor');
}

/** OpenCode's SessionV2Info: the session with its place as `location` (directory, workspace) and `subpath`. */
export function toSessionV2(s: SessionInfo): SessionV2InfoDto {
  return {
    id: s.id,
    ...(s.parentID ? { parentID: s.parentID } : {}),
    projectID: s.projectID,
    ...(s.agent ? { agent: s.agent } : {}),
    ...(s.model ? { model: s.model } : {}),
    cost: s.cost,
    tokens: { input: s.tokens.input, output: s.tokens.output, reasoning: s.tokens.reasoning, cache: s.tokens.cache },
    time: {
      created: s.time.created,
      updated: s.time.updated,
      ...(s.time.archived ? { archived: s.time.archived } : {}),
    },
    title: s.title,
    location: { directory: s.directory, ...(s.workspaceID ? { workspaceID: s.workspaceID } : {}) },
    ...(s.path ? { subpath: s.path } : {}),
    ...(s.revert ? { revert: s.revert } : {}),
  };
}

/**
 * The `/api/*` operations OpenCode's web app calls on a server it does not run itself (it detects a classic server
 * by `/global/health` and then uses these two): the home screen's session list and the project references.
 */
const PAGE_MAX = 1000;

@Injectable()
export class ApiV2Service {
  constructor(
    private readonly sessions: SessionFacade,
    private readonly projects: ProjectService,
  ) {}

  /**
   * Sessions the caller may see, newest update first (or oldest with `order=asc`), a page of `limit` (default 100)
   * and cursors to the pages on either side. Pages are anchored on `time.updated`.
   */
  async sessionList(auth: AuthContext, q: ApiSessionListQueryDto): Promise<SessionsResponseDto> {
    const cursor = q.cursor ? decode(q.cursor) : undefined;
    const order = cursor?.order ?? q.order ?? 'desc';
    // OpenCode's app asks for 5000 at once (its spec sets no maximum): a page holds at most 1000, `cursor.next` the rest.
    const limit = Math.min(q.limit ?? 100, PAGE_MAX);
    const projectId = q.project ?? (q.directory ? (await this.projects.resolve(auth, q.directory)).id : undefined);
    if (q.project) await this.projects.get(auth, q.project);
    // Towards older sessions: `before` the anchor; towards newer ones: from just after it (the list is newest first).
    const older = !cursor || (cursor.anchor.direction === 'next') === (order === 'desc');
    const rows = await this.sessions.list(auth, {
      scope: 'project',
      search: q.search,
      workspace: q.workspace,
      ...(cursor ? (older ? { before: cursor.anchor.time } : { start: cursor.anchor.time + 1 }) : {}),
      limit: cursor && !older ? 1000 : order === 'asc' && !cursor ? 1000 : limit,
    });
    const matching = rows.filter(
      (s) => (!projectId || s.projectID === projectId) && (!q.subpath || (s.path ?? '').startsWith(q.subpath)),
    );
    // Newest first here; the page is the `limit` sessions nearest the anchor, in the order asked for.
    let page = older && (order === 'desc' || cursor) ? matching.slice(0, limit) : matching.slice(-limit);
    if (order === 'asc') page = [...page].reverse();
    const first = page[0];
    const last = page.at(-1);
    const anchor = (s: SessionInfo, direction: 'next' | 'previous'): string =>
      encode({ order, anchor: { id: s.id, time: s.time.updated, direction } });
    return {
      data: page.map(toSessionV2),
      cursor: {
        previous: first ? anchor(first, 'previous') : null,
        next: last && page.length === limit ? anchor(last, 'next') : null,
      },
    };
  }

  /**
   * The project's references (OpenCode's named git or local folders for `@alias`). None are served here: a
   * reference names a folder or a clone on the server outside the project's workspace, which students never reach.
   */
  async references(auth: AuthContext, directory?: string): Promise<ReferencesResponseDto> {
    const project = await this.projects.resolve(auth, directory);
    const worktree = this.projects.worktree(project);
    return { location: { directory: worktree, project: { id: project.id, directory: worktree } }, data: [] };
  }
}
