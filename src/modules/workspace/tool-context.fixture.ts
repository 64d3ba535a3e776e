// Builds real temporary workspaces and hand-made tool contexts for the file tools' specs.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AuthContext } from '../../core/auth/auth-context';
import type { ToolContext } from '../tool/tool.types';
import type { PermissionAsk } from '../permission/permission.types';
import { WorkspaceManager, type WorkspaceManagerOptions } from './workspace-manager';
import type { Workspace } from './workspace';

export interface Sandbox {
  /** Temporary folder holding everything below; removed by cleanup(). */
  base: string;
  manager: WorkspaceManager;
  ws: Workspace;
  /** A folder next to the workspaces, standing in for "the rest of the machine". */
  outside: string;
  cleanup(): Promise<void>;
}

export async function makeSandbox(
  opts: Partial<WorkspaceManagerOptions> = {},
  tenantId = 'ten_a',
  project = 'proj',
): Promise<Sandbox> {
  const base = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), 'ws-spec-')));
  const manager = new WorkspaceManager({
    workspaceRoot: path.join(base, 'workspaces'),
    toolOutputRoot: path.join(base, 'tool-output'),
    ...opts,
  });
  const ws = await manager.get(tenantId, project);
  const outside = path.join(base, 'outside');
  await fs.mkdir(outside);
  return { base, manager, ws, outside, cleanup: () => fs.rm(base, { recursive: true, force: true }) };
}

export interface RecordingContext extends ToolContext {
  asks: PermissionAsk[];
  updates: { title?: string; metadata?: Record<string, unknown> }[];
}

export interface ContextOptions {
  /** Return an error to refuse an ask (as the permission service would). */
  reject?: (ask: PermissionAsk) => Error | undefined;
  extra?: Record<string, unknown>;
  auth?: Partial<AuthContext>;
}

export function makeToolContext(ws: Workspace, opts: ContextOptions = {}): RecordingContext {
  const asks: PermissionAsk[] = [];
  const updates: RecordingContext['updates'] = [];
  return {
    auth: { tenantId: ws.tenantId, userId: 'usr_test', role: 'student', platformAdmin: false, ...opts.auth },
    sessionId: 'ses_test',
    messageId: 'msg_test',
    callId: 'call_test',
    agent: 'build',
    workspace: ws,
    abort: new AbortController().signal,
    extra: opts.extra,
    asks,
    updates,
    async ask(request) {
      asks.push(request);
      const err = opts.reject?.(request);
      if (err) throw err;
    },
    metadata(update) {
      updates.push(update);
    },
  };
}
