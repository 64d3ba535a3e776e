import { Inject, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { OpencodeClient } from '@opencode-ai/sdk';
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { ApiKeyService } from '../auth/api-key.service';
import { SandboxPolicy } from '../sandbox/sandbox-policy.service';
import { SandboxRunner } from '../sandbox/sandbox-runner.service';
import { WorkspaceManager } from '../workspace/workspace-manager';
import { createShell } from './plugin-shell';
import { packageEntry } from './plugin-spec';
import type { PluginScope } from './plugin.types';

/** How long a plugin's credential lives; a fresh one is issued when less than a tenth of it is left. */
const CREDENTIAL_MS = 60 * 60_000;

type ClientFactory = (config: {
  baseUrl: string;
  directory?: string;
  fetch: (request: Request) => Promise<Response>;
}) => OpencodeClient;
let createClient: ClientFactory | undefined;
/** The SDK is an ES module without a `require` export: loaded by its file, once. */
function sdkClient(): ClientFactory {
  createClient ??= (require(packageEntry('@opencode-ai/sdk', __dirname)) as { createOpencodeClient: ClientFactory })
    .createOpencodeClient;
  return createClient;
}

/**
 * What a plugin function receives (OpenCode's PluginInput) for one school, user and project: `client` calls this
 * server as that user (an API key of theirs that expires within the hour, issued on the first call), `$` runs
 * commands in the project's sandbox with the school's uid and network setting, `directory` is the project folder.
 */
@Injectable()
export class PluginInputFactory {
  constructor(
    @Inject(APP_CONFIG) private readonly app: AppConfig,
    private readonly keys: ApiKeyService,
    private readonly runner: SandboxRunner,
    private readonly policy: SandboxPolicy,
    private readonly workspaces: WorkspaceManager,
    private readonly http: HttpAdapterHost,
  ) {}

  /** The project's folder on the host (created on first use). */
  async folder(scope: PluginScope): Promise<string> {
    return (await this.workspaces.get(scope.tenantId, path.basename(scope.directory))).root;
  }

  async build(plugin: string, scope: PluginScope): Promise<Record<string, unknown>> {
    const folder = await this.folder(scope);
    const serverUrl = this.serverUrl();
    const $ = createShell(async (command, opts) => {
      const sandbox = await this.policy.forTenant(scope.tenantId, 'plugin', scope.userId ?? undefined);
      const result = await this.runner.run({
        command,
        cwd: opts.cwd ? path.resolve(folder, opts.cwd) : folder,
        workspaceRoot: folder,
        ...(opts.env ? { env: opts.env } : {}),
        network: sandbox.network,
        identity: sandbox.identity,
        origin: sandbox.origin,
      });
      return { output: result.output, exitCode: result.exitCode ?? 1 };
    });
    return {
      client: this.client(plugin, scope, serverUrl),
      project: { id: scope.projectId, worktree: folder, vcs: undefined, time: { created: Date.now() } },
      directory: folder,
      worktree: folder,
      serverUrl: new URL(serverUrl),
      $,
      // Workspace adapters (remote worktrees) have no meaning on a hosted server: registering one does nothing.
      experimental_workspace: { register: () => undefined },
    };
  }

  /**
   * What a plugin is handed when it is started at load for its `config` hook: no school, user or project, so
   * `client` and `$` refuse every call, and `directory` is an empty folder of the platform's own.
   */
  async platform(): Promise<Record<string, unknown>> {
    const folder = path.join(this.app.dataDir, 'plugins', 'platform');
    await mkdir(folder, { recursive: true });
    const refuse = (what: string) => new Error(`${what} has no school, user or project while the platform loads`);
    const serverUrl = this.serverUrl();
    return {
      client: sdkClient()({
        baseUrl: serverUrl,
        fetch: () => Promise.reject(refuse('client')),
      }),
      project: { id: 'global', worktree: folder, vcs: undefined, time: { created: Date.now() } },
      directory: folder,
      worktree: folder,
      serverUrl: new URL(serverUrl),
      $: createShell(() => Promise.reject(refuse('$'))),
      experimental_workspace: { register: () => undefined },
    };
  }

  private client(plugin: string, scope: PluginScope, baseUrl: string): OpencodeClient {
    let credential: Promise<{ key: string; expires: number }> | undefined;
    const key = async () => {
      const current = credential && (await credential.catch(() => undefined));
      if (!current || current.expires - Date.now() < CREDENTIAL_MS / 10) {
        if (!scope.userId) throw new Error('This call has no user to act as');
        const expiresAt = new Date(Date.now() + CREDENTIAL_MS);
        credential = this.keys
          .issue(scope.tenantId, scope.userId, `plugin ${plugin}`, { expiresAt, plugin })
          .then(({ key: value }) => ({ key: value, expires: expiresAt.getTime() }));
      }
      return (await credential!).key;
    };
    return sdkClient()({
      baseUrl,
      directory: scope.directory,
      fetch: async (request) => {
        request.headers.set('authorization', `Bearer ${await key()}`);
        return fetch(request);
      },
    });
  }

  /** This server's own address: the listening socket in an API process, else PUBLIC_URL, else HOST:PORT. */
  private serverUrl(): string {
    const server = this.http.httpAdapter?.getHttpServer?.() as
      { address?: () => AddressInfo | string | null } | undefined;
    const address = server?.address?.();
    if (address && typeof address === 'object') {
      const host = ['0.0.0.0', '::'].includes(address.address) ? '127.0.0.1' : address.address;
      return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    }
    return this.app.publicUrl ?? `http://${this.app.host}:${this.app.port}`;
  }
}
