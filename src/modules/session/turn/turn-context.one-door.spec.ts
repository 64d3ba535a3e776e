import { callers } from '../one-door.fixture';

// One door per decision (STYLE rule 21): the model, the permission ruleset, the tools and the request shaping of a
// step are decided by TurnContextService alone. This spec fails when a second place starts deciding one of them.

const BUILDER = 'modules/session/turn/turn-context.service.ts';

describe('one door: TurnContextService decides each step', () => {
  it('the model: only the builder picks a default or small model or resolves the one a call runs on', () => {
    // ProviderService.defaultFor puts the policy's default first; the listings ask it too, so `GET /config/providers`
    // shows the model a turn would run on.
    expect(callers(/\.(defaultModelFor|smallModelFor)\(/)).toEqual(['modules/provider/provider.service.ts', BUILDER]);
    expect(callers(/\bproviders\.defaultFor\(/)).toEqual(['modules/provider/provider-catalogue.service.ts', BUILDER]);
    // The default agent the same way: AgentService.defaultFor, asked by the builder and by the listings.
    expect(callers(/\bagents\.defaultFor\(/)).toEqual(['modules/provider/provider-catalogue.service.ts', BUILDER]);
    // Compaction's overflow check reads the window of the model a finished step already used; it picks nothing.
    expect(callers(/\.resolveFor\(/)).toEqual(['modules/session/compaction/compaction-steps.ts', BUILDER]);
  });

  it('the request shaping (variant, sampling, provider options, headers): only the builder', () => {
    expect(callers(/\bshapeRequest\(/)).toEqual(['modules/provider/request-shaping.ts', BUILDER]);
  });

  it('the permission ruleset: assembled by the builder only, decided by the permission service only', () => {
    expect(callers(/\bpermissionLayers\(/)).toEqual([BUILDER, 'modules/session/turn/turn-permission.ts']);
    expect(callers(/\bagentGuardrails\(/)).toEqual([
      'modules/agent/agent.builtins.ts',
      'modules/session/turn/turn-permission.ts',
    ]);
    expect(callers(/\brole_permission\b/)).toEqual([
      'modules/config/config.schema.ts',
      'modules/session/turn/turn-permission.ts',
    ]);
    expect(callers(/\b(decideAsk|evaluateAsk)\(/)).toEqual([
      'modules/permission/permission.layers.ts',
      'modules/permission/permission.rules.ts',
      'modules/permission/permission.service.ts',
    ]);
    // The only other reader of config rules: the agents listed by GET /agent show their merged rules.
    expect(callers(/\bconfigRuleset\(/)).toEqual([
      'modules/agent/agent.service.ts',
      'modules/config/config.merge.ts',
      'modules/session/turn/turn-permission.ts',
    ]);
  });

  it('the tools offered: only the builder asks the registry', () => {
    expect(callers(/\.forAgent\(/)).toEqual([BUILDER]);
  });
});
