import { join } from 'node:path';
import type { AppConfig } from '../../../core/config/app-config';
import type { ConfigService } from '../../config/config.service';
import type { EventBus } from '../../event/event.bus';
import type { PublishInput } from '../../event/event.types';
import type { ProjectService } from '../../project/project.service';
import { SandboxPolicy } from '../../sandbox/sandbox-policy.service';
import type { SandboxRunner } from '../../sandbox/sandbox-runner.service';
import type { SandboxRepository } from '../../sandbox/sandbox.repository';
import { testSandboxRunner } from '../../sandbox/testing/sandbox-test-runner';
import type { WorkspaceManager } from '../../workspace/workspace-manager';
import { CodeIntelService } from '../code-intel.service';
import { FormatterService } from '../formatter/formatter.service';
import { LspPool } from '../lsp-pool.service';
import { LspService } from '../lsp.service';

export interface LspTestStack {
  runner: SandboxRunner;
  pool: LspPool;
  lsp: LspService;
  formatter: FormatterService;
  intel: CodeIntelService;
  published: PublishInput[];
  /** The project config every lookup sees (`lsp`, `formatter`); change it between cases. */
  projectConfig: Record<string, unknown>;
  stop(): Promise<void>;
}

/**
 * The real code-intelligence stack for specs: a sandbox runner (the bwrap the specs should see), the pool, the
 * services; only the database-backed lookups (project owner, config layers, the school's network) are stand-ins.
 */
export function lspTestStack(
  stateDir: string,
  workspaces: WorkspaceManager,
  lspConfig: Partial<AppConfig['lsp']> = {},
  runner: SandboxRunner = testSandboxRunner({ stateDir: join(stateDir, 'sandbox') }),
): LspTestStack {
  const published: PublishInput[] = [];
  const projectConfig: Record<string, unknown> = {};
  const config = {
    lsp: { perTenant: 4, max: 8, idleMs: 600_000, memoryMb: 512, timeoutMs: 60_000, ...lspConfig },
  } as AppConfig;
  const policy = new SandboxPolicy({ bashNetwork: async () => false } as unknown as SandboxRepository);
  const projects = {
    ownerOf: async () => 'usr_owner',
    ref: async (_tenantId: string, id: string) => ({ id, ownerId: 'usr_owner' }),
  } as unknown as ProjectService;
  const bus = { publish: (e: PublishInput) => published.push(e) } as unknown as EventBus;
  const configs = { effective: async () => projectConfig } as unknown as ConfigService;
  const pool = new LspPool(config, runner, policy, projects, bus);
  const lsp = new LspService(pool, configs, projects, workspaces);
  const formatter = new FormatterService(configs, runner, policy);
  const intel = new CodeIntelService(lsp, formatter);
  return { runner, pool, lsp, formatter, intel, published, projectConfig, stop: () => pool.onModuleDestroy() };
}
