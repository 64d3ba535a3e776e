import path from 'node:path';
import { Client } from 'pg';
import { systemAuth, type AuthContext } from '../../../src/core/auth/auth-context';
import { MetricsService } from '../../../src/infra/metrics/metrics.service';
import { ApiKeyService } from '../../../src/modules/auth/api-key.service';
import { ConfigFacade } from '../../../src/modules/config/config.facade';
import { ConfigService } from '../../../src/modules/config/config.service';
import { domainModules } from '../../../src/modules/domain-modules';
import { decide, hiddenTools } from '../../../src/modules/permission/permission.layers';
import { PluginKeySweepProcessor } from '../../../src/modules/plugin/plugin-key-sweep.processor';
import { TurnContextService } from '../../../src/modules/session/turn/turn-context.service';
import { TenantService } from '../../../src/modules/tenant/tenant.service';
import { parsePrometheus, sumOf } from '../../utils/prom-text';
import { createTestContext, type TestContext } from '../../utils/test-context';

// The platform plugins' housekeeping and their `config` hook, on a real database: the expired keys minted for
// plugin clients are swept (and nothing else), and what a `config` hook changes is applied to the platform's config
// at load within what a plugin may change (test/fixtures/config-plugins: `shaper` tries everything, `invalid`
// leaves a config that does not parse).

const PLATFORM = {
  permission: { bash: 'ask' },
  agent: {
    lab: { mode: 'primary', description: 'The platform lab agent', prompt: 'Lab.', permission: { bash: 'deny' } },
  },
  command: { hello: { template: 'Say hello' } },
};

let ctx: TestContext;
let pg: Client;
let school: { tenantId: string; userId: string; auth: AuthContext };

beforeAll(async () => {
  ctx = await createTestContext(domainModules(), {
    OPENCODE_PLUGIN_DIR: path.join(__dirname, '../../fixtures/config-plugins'),
    OPENCODE_CONFIG_CONTENT: JSON.stringify(PLATFORM),
  });
  pg = new Client({ connectionString: ctx.database.url });
  await pg.connect();
  const { tenant, admin } = await ctx
    .get(TenantService)
    .createTenant({ name: 'plugin-school', slug: 'plugin-school', admin: { name: 'Admin' } });
  school = {
    tenantId: tenant.id,
    userId: admin.id,
    auth: { tenantId: tenant.id, userId: admin.id, role: 'admin', platformAdmin: false },
  };
}, 60_000);

afterAll(async () => {
  await pg?.end();
  await ctx?.close();
});

describe('keys minted for plugin clients', () => {
  it('the sweep deletes expired plugin keys in every school and keeps live ones and every key a person made', async () => {
    const keys = ctx.get(ApiKeyService);
    const past = new Date(Date.now() - 60_000);
    const future = new Date(Date.now() + 3_600_000);
    const expired = await keys.issue(school.tenantId, school.userId, 'plugin toolbox', {
      expiresAt: past,
      plugin: 'toolbox',
    });
    const live = await keys.issue(school.tenantId, school.userId, 'plugin toolbox', {
      expiresAt: future,
      plugin: 'toolbox',
    });
    // A person's own key that expired, even one named like a plugin's, is theirs to see and delete.
    const own = await keys.issue(school.tenantId, school.userId, 'plugin toolbox', { expiresAt: past });

    expect(await ctx.get(PluginKeySweepProcessor).run()).toEqual({ removed: 1 });
    const { rows } = await pg.query<{ id: string }>('SELECT id FROM "ApiKey" WHERE "tenantId" = $1', [school.tenantId]);
    const ids = rows.map((r) => r.id);
    expect(ids).not.toContain(expired.record.id);
    expect(ids).toEqual(expect.arrayContaining([live.record.id, own.record.id]));
    await expect(keys.verify(live.key)).resolves.toMatchObject({ userId: school.userId });
    // Nothing left to sweep: a second run removes nothing.
    expect(await ctx.get(PluginKeySweepProcessor).run()).toEqual({ removed: 0 });
  });

  it('a plugin key without an expiry is refused', async () => {
    await expect(
      ctx.get(ApiKeyService).issue(school.tenantId, school.userId, 'plugin toolbox', { plugin: 'toolbox' }),
    ).rejects.toThrow('A plugin key must expire');
  });
});

describe("a plugin's config hook, applied to the platform config at load", () => {
  it('adds the command and the agent, changes a prompt, and removes nothing the platform wrote', () => {
    const platform = ctx.get(ConfigService).platform();
    expect(platform.command).toEqual({
      hello: { template: 'Say hello' },
      review: { template: 'Review $ARGUMENTS for style', description: 'added by shaper' },
    });
    expect(platform.agent?.reviewer).toEqual({
      mode: 'subagent',
      description: 'Reviews code',
      prompt: 'You review code.',
    });
    expect(platform.agent?.build?.prompt).toBe('Build carefully.');
    expect(platform.agent?.lab).toEqual(PLATFORM.agent.lab);
  });

  it('applies none of the keys a plugin may not change, and nothing of a hook that left an invalid config', async () => {
    const platform = ctx.get(ConfigService).platform();
    expect(platform.provider?.exfil).toBeUndefined();
    expect(platform.share).toBeUndefined();
    expect(platform.role_access).toBeUndefined();
    expect(platform.plugin).toBeUndefined();
    expect(platform.permission).toEqual({ bash: 'ask' });
    expect(platform.agent?.plan?.permission).toBeUndefined();
    // `invalid` ran first: neither its instructions nor its broken command were applied, and the failure counted.
    expect(platform.instructions).toBeUndefined();
    expect(platform.command?.broken).toBeUndefined();
    const metrics = parsePrometheus(await ctx.get(MetricsService).registry.metrics());
    expect(sumOf(metrics, 'oc_plugin_failures_total', { plugin: 'invalid', hook: 'config', outcome: 'error' })).toBe(1);
    expect(sumOf(metrics, 'oc_plugin_failures_total', { plugin: 'shaper' })).toBe(0);
  });

  it("the plugin's rules only narrow: its denies and asks hold, its allows lift nothing", async () => {
    const turns = ctx.get(TurnContextService);
    const row = { tenantId: school.tenantId, projectId: 'prj_plugin_config', permission: null };
    const build = await turns.permission(school.auth, row, 'build');
    // The platform asks about bash; the plugin's `bash: allow` does not lift it.
    expect(decide('bash', 'ls', build).action).toBe('ask');
    // Its deny and its ask hold for every agent.
    expect(decide('webfetch', 'https://example.com', build)).toMatchObject({ action: 'deny', layer: 'plugin' });
    expect(decide('grep', 'TODO', build).action).toBe('ask');
    expect(hiddenTools(['webfetch', 'read'], build)).toEqual(new Set(['webfetch']));
    // The plan agent's built-in edit deny stays: the plugin's `edit: allow` for plan is no opinion.
    const plan = await turns.permission(school.auth, row, 'plan');
    expect(decide('edit', 'src/a.ts', plan).action).toBe('deny');
    // The agent it added keeps the deny the plugin wrote for it.
    const reviewer = await turns.permission(school.auth, row, 'reviewer');
    expect(decide('webfetch', 'https://example.com', reviewer).action).toBe('deny');
  });

  it("a school's config cannot re-open what a plugin's rules close (attacker side: a school admin)", async () => {
    await ctx
      .get(ConfigFacade)
      .patchTenant(school.auth, { permission: { webfetch: 'allow', grep: 'allow', bash: 'allow' } });
    const turns = ctx.get(TurnContextService);
    const rules = await turns.permission(
      school.auth,
      { tenantId: school.tenantId, projectId: 'prj_plugin_config', permission: null },
      'build',
    );
    expect(decide('webfetch', 'https://example.com', rules).action).toBe('deny');
    expect(decide('grep', 'TODO', rules).action).toBe('ask');
    expect(decide('bash', 'ls', rules).action).toBe('ask');
    // The school layer never holds anything the plugin wrote.
    expect(await ctx.get(ConfigFacade).tenant(systemAuth(school.tenantId))).toEqual({
      permission: { webfetch: 'allow', grep: 'allow', bash: 'allow' },
    });
  });
});
