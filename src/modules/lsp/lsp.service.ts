import { Injectable } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import type { AuthContext } from '../../core/auth/auth-context';
import { ConfigService } from '../config/config.service';
import { ProjectService } from '../project/project.service';
import { workspaceOf } from '../workspace/workspace';
import type { WorkspaceHandle } from '../workspace/workspace-handle';
import { WorkspaceManager } from '../workspace/workspace-manager';
import type { LspClient } from './lsp-client';
import { LspPool } from './lsp-pool.service';
import { runOperation, SEARCHED_SYMBOL_KINDS, type OperationInput } from './lsp-operations';
import { LANGUAGE_SERVERS, type LanguageServerSpec } from './lsp-servers';
import { enabledIn, type LspScope, type LspStatus, type LspSymbol, type ServerToggles } from './lsp.types';
import { extname } from 'node:path';

/** How long a touch waits for the server's verdict on the file before reporting what it has. */
const DIAGNOSTICS_WAIT_MS = 10_000;
/** A request after a touch waits this long for the first check, so the project is loaded. */
const WARM_WAIT_MS = 1_500;
const SYMBOL_LIMIT = 10;
/** After write, at most this many other open files are asked for again (the most recently opened). */
const MAX_REFRESHED = 20;
/** Larger files are not sent to a server (generated bundles, data). */
const MAX_FILE_BYTES = 2 * 1024 * 1024;

/**
 * Code intelligence for a project: which server answers a file (the project's `lsp` config may turn servers
 * off), the lsp tool's operations, diagnostics after an edit, and the `/lsp` and `/find/symbol` routes.
 */
@Injectable()
export class LspService {
  /** Slug → id of projects whose workspaces the tools touched (ids never change; a deleted slug is re-resolved). */
  private readonly projectIds = new LRUCache<string, string>({ max: 10_000, ttl: 10 * 60_000 });

  constructor(
    private readonly pool: LspPool,
    private readonly config: ConfigService,
    private readonly projects: ProjectService,
    private readonly workspaces: WorkspaceManager,
  ) {}

  /** The server for this file, unless none handles its type or config turned it off. */
  async serverFor(auth: AuthContext, projectId: string, file: string): Promise<LanguageServerSpec | undefined> {
    const ext = extname(file).toLowerCase();
    const spec = LANGUAGE_SERVERS.find((s) => s.extensions.includes(ext));
    if (!spec) return undefined;
    const toggles = (await this.config.effective(auth, projectId)).lsp as ServerToggles;
    return enabledIn(toggles, spec.id) ? spec : undefined;
  }

  /** Runs one operation; `input.file` is an absolute path already confined to `scope.root`. */
  async operation(auth: AuthContext, scope: LspScope, spec: LanguageServerSpec, input: OperationInput) {
    const client = await this.pool.client(scope, spec);
    await client.check(input.file, await this.read(scope, input.file), WARM_WAIT_MS);
    return runOperation(client, input);
  }

  /**
   * After a tool changed files: each one with a server is sent to it, and the servers' diagnostics come back
   * (the changed files' and, for write, the others the servers know of). Files without a server are skipped.
   */
  async touch(
    auth: AuthContext,
    scope: LspScope,
    files: string[],
    othersToo = false,
  ): Promise<Record<string, Diagnostic[]>> {
    const touched = new Set<LspClient>();
    for (const file of files) {
      const spec = await this.serverFor(auth, scope.projectId, file);
      if (!spec) continue;
      const client = await this.pool.client(scope, spec);
      await client.check(file, await this.read(scope, file), DIAGNOSTICS_WAIT_MS);
      touched.add(client);
    }
    const out: Record<string, Diagnostic[]> = {};
    if (touched.size === 0) return out;
    if (othersToo)
      for (const client of touched) {
        const others = client.openFiles().filter((f) => !files.includes(f));
        for (const file of others.slice(-MAX_REFRESHED)) await client.refresh(file).catch(() => undefined);
      }
    for (const client of this.pool.running(scope.tenantId, scope.projectId))
      for (const [file, list] of client.diagnostics) out[file] = [...(out[file] ?? []), ...list];
    return out;
  }

  /** GET /lsp: the project's servers, running or failed. */
  async status(auth: AuthContext, directory?: string): Promise<LspStatus[]> {
    const project = await this.projects.resolve(auth, directory);
    return this.pool.status(project.tenantId, project.id);
  }

  /**
   * GET /find/symbol: workspace symbols from the project's running servers (none is started for a search), of
   * the kinds OpenCode keeps, at most ten.
   */
  async symbols(auth: AuthContext, directory: string | undefined, query: string): Promise<LspSymbol[]> {
    const project = await this.projects.resolve(auth, directory);
    const clients = this.pool.running(project.tenantId, project.id);
    const answers = await Promise.all(
      clients.map((c) => c.request<LspSymbol[] | null>('workspace/symbol', { query }).catch(() => null)),
    );
    return answers
      .flatMap((a) => a ?? [])
      .filter((s) => SEARCHED_SYMBOL_KINDS.has(s.kind) && s.location?.range)
      .slice(0, SYMBOL_LIMIT)
      .map((s) => ({ name: s.name, kind: s.kind, location: { uri: s.location.uri, range: s.location.range } }));
  }

  /** Through the workspace: confined to the project, symlinks resolved inside it, size-capped. */
  private async read(scope: LspScope, file: string): Promise<string> {
    const ws = await workspaceOf({ root: scope.root, tenantId: scope.tenantId, projectId: scope.projectId });
    return ws.readText(file, { maxBytes: MAX_FILE_BYTES });
  }

  /**
   * The scope of a tool's workspace, with the project's real id: the session loop's handle names the project by
   * its slug, and the pool, the config layers and the event routing need the id.
   */
  async scopeFor(auth: AuthContext, workspace: WorkspaceHandle): Promise<LspScope> {
    const key = `${workspace.tenantId}\0${workspace.projectId}`;
    let projectId = this.projectIds.get(key);
    if (!projectId) {
      projectId = (await this.projects.ref(workspace.tenantId, workspace.projectId))?.id ?? workspace.projectId;
      this.projectIds.set(key, projectId);
    }
    return { tenantId: workspace.tenantId, projectId, root: workspace.root, userId: auth.userId };
  }

  /** The scope of a project reached through a route (`directory`), for the formatter and tests. */
  async scopeOf(auth: AuthContext, directory?: string, access: 'read' | 'write' = 'read'): Promise<LspScope> {
    const project = await this.projects.resolve(auth, directory, access);
    const ws = this.projects.isDraft(project)
      ? await this.workspaces.empty(project.tenantId, project.slug)
      : await this.workspaces.get(project.tenantId, project.slug);
    return { tenantId: project.tenantId, projectId: project.id, root: ws.root, userId: auth.userId };
  }
}
