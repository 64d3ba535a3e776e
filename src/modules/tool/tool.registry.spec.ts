import os from 'node:os';
import path from 'node:path';
import type { AppConfig } from '../../core/config/app-config';
import { builtinRuleset } from '../agent/agent.builtins';
import { SandboxPolicy } from '../sandbox/sandbox-policy.service';
import { SandboxRunner } from '../sandbox/sandbox-runner.service';
import type { SandboxRepository } from '../sandbox/sandbox.repository';
import type { CodeIntelService } from '../lsp/code-intel.service';
import type { LspService } from '../lsp/lsp.service';
import { ToolRegistry } from './tool.registry';

function registry(
  providerEnv: Record<string, string> = {},
  webSearch: 'auto' | 'off' = 'auto',
  lspTool = false,
): ToolRegistry {
  const config = { providerEnv, webSearch, lspTool } as unknown as AppConfig;
  const runner = new SandboxRunner({ mode: 'off', stateDir: path.join(os.tmpdir(), 'registry-spec') });
  // No tenant rows in a unit spec: every school keeps the network off.
  const policy = new SandboxPolicy({ bashNetwork: async () => false } as unknown as SandboxRepository);
  // Neither is called here: which tools exist and are offered does not depend on them.
  const lsp = {} as LspService;
  const intel = {} as CodeIntelService;
  return new ToolRegistry(config, runner, policy, lsp, intel);
}

const fake = { modelID: 'fake-model', toolCall: true };

describe('ToolRegistry', () => {
  it('registers the agent tools; web and code search with or without an Exa key, none with WEB_SEARCH=off', () => {
    const ids = registry().ids();
    expect(ids).toEqual(
      expect.arrayContaining([
        'question',
        'task',
        'skill',
        'plan_enter',
        'plan_exit',
        'lsp',
        'batch',
        'todowrite',
        'bash',
        'read',
      ]),
    );
    expect(ids).toEqual(expect.arrayContaining(['websearch', 'codesearch']));
    expect(ids).not.toContain('invalid');
    expect(registry({ EXA_API_KEY: 'k' }).ids()).toEqual(expect.arrayContaining(['websearch', 'codesearch']));
    const off = registry({ EXA_API_KEY: 'k' }, 'off').ids();
    expect(off).not.toContain('websearch');
    expect(off).not.toContain('codesearch');
  });

  it('offers lsp only when LSP_TOOL is on (OpenCode: OPENCODE_EXPERIMENTAL_LSP_TOOL), where the agent may use it', () => {
    const r = registry({}, 'auto', true);
    const names = (agent: string) => r.forAgent({ base: builtinRuleset(agent), layers: [] }, fake).map((t) => t.id);
    expect(names('build')).toContain('lsp');
    const denied = {
      base: builtinRuleset('build'),
      layers: [{ name: 'project' as const, rules: [{ permission: 'lsp', pattern: '*', action: 'deny' as const }] }],
    };
    expect(r.forAgent(denied, fake).map((t) => t.id)).not.toContain('lsp');
  });

  it('offers tools per agent rules: build gets question and plan_enter, plan gets plan_exit, explore no task; never lsp or batch', () => {
    const r = registry({ EXA_API_KEY: 'k' });
    const names = (agent: string) => r.forAgent({ base: builtinRuleset(agent), layers: [] }, fake).map((t) => t.id);
    expect(names('build')).toEqual(expect.arrayContaining(['question', 'plan_enter', 'task', 'skill', 'websearch']));
    expect(names('build')).not.toContain('plan_exit');
    expect(names('plan')).toContain('plan_exit');
    expect(names('plan')).not.toContain('plan_enter');
    expect(names('explore')).toEqual(
      expect.arrayContaining(['read', 'grep', 'glob', 'bash', 'websearch', 'codesearch']),
    );
    expect(names('explore')).not.toContain('task');
    expect(names('explore')).not.toContain('question');
    for (const agent of ['build', 'plan', 'tutor', 'general', 'explore']) {
      expect(names(agent)).not.toContain('lsp');
      expect(names(agent)).not.toContain('batch');
    }
    expect(
      r.forAgent({ base: builtinRuleset('build'), layers: [] }, { modelID: 'fake-model', toolCall: false }),
    ).toEqual([]);
  });

  it('builds a batch tool limited to what the agent may see', async () => {
    const r = registry();
    const batch = r.batch((id) => id === 'todoread');
    const ctx = {
      callId: 'c',
      workspace: {},
      abort: new AbortController().signal,
      services: { getTodos: async () => [] },
    } as never;
    const result = await batch.execute(
      {
        tool_calls: [
          { tool: 'todoread', parameters: {} },
          { tool: 'bash', parameters: { command: 'id', description: 'x' } },
        ],
      },
      ctx,
    );
    expect(result.title).toBe('1/2 calls succeeded');
    expect(result.output).toContain('Unknown or unavailable tool "bash"');
  });
});
