import { builtinRuleset } from '../agent/agent.builtins';
import { decide, decideAsk, hiddenTools, type LayeredRuleset, type PermissionLayer } from './permission.layers';
import { fromConfig, type PermissionConfig } from './permission.rules';

const layer = (
  name: PermissionLayer['name'],
  config: PermissionConfig,
  extra: Partial<PermissionLayer> = {},
): PermissionLayer => ({ name, rules: fromConfig(config), ...extra });
const build = (...layers: PermissionLayer[]): LayeredRuleset => ({ base: builtinRuleset('build'), layers });

describe('layers never widen (attacker side)', () => {
  it('a student session allow rule does not re-open bash the school denies', () => {
    const rules = build(layer('school', { bash: 'deny' }), layer('session', { bash: 'allow' }, { narrowOnly: true }));
    expect(decide('bash', 'echo hi', rules).action).toBe('deny');
    expect(hiddenTools(['bash', 'read'], rules)).toEqual(new Set(['bash']));
  });

  it('a project (teacher) allow does not re-open what the school asks about or denies', () => {
    const rules = build(
      layer('school', { bash: { '*': 'ask', 'git status*': 'allow' }, webfetch: 'deny' }),
      layer('project', { bash: 'allow', webfetch: 'allow' }),
    );
    expect(decide('bash', 'rm -rf /', rules).action).toBe('ask');
    expect(decide('bash', 'git status', rules).action).toBe('allow');
    expect(decide('webfetch', 'https://x', rules).action).toBe('deny');
  });

  it('a class cannot widen the platform either', () => {
    const rules = build(layer('platform', { edit: 'deny' }), layer('class', { edit: 'allow' }));
    expect(decide('edit', 'src/a.ts', rules).action).toBe('deny');
  });

  it('a lower layer may narrow: ask and deny are added, more specific patterns included', () => {
    const rules = build(
      layer('school', { bash: 'allow' }),
      layer('project', { bash: { 'git push*': 'deny' } }),
      layer('session', { bash: { 'curl *': 'ask' } }, { narrowOnly: true }),
    );
    expect(decide('bash', 'git push origin', rules).action).toBe('deny');
    expect(decide('bash', 'curl x', rules).action).toBe('ask');
    expect(decide('bash', 'ls', rules).action).toBe('allow');
  });

  it("a session's allow rules are no opinion, even where the layers above say nothing", () => {
    // The agent's default asks before reading .env files; a session rule cannot lift that.
    const rules = build(layer('session', { read: 'allow' }, { narrowOnly: true }));
    expect(decide('read', '/w/.env', rules).action).toBe('ask');
    expect(decide('read', '/w/a.ts', rules).action).toBe('allow');
  });

  it('an approval lifts an ask of the open layers, never a deny, never a locked ask', () => {
    const approvals = fromConfig({ bash: 'allow', webfetch: 'allow' });
    const rules = build(
      layer('school', { bash: 'ask', edit: 'deny' }),
      layer('role', { webfetch: 'ask' }, { locked: true }),
    );
    expect(decide('bash', 'ls', rules, approvals)).toMatchObject({ action: 'allow', layer: 'approval' });
    expect(decide('edit', 'a', rules, fromConfig({ edit: 'allow' })).action).toBe('deny');
    expect(decide('webfetch', 'https://x', rules, approvals)).toMatchObject({ action: 'ask', layer: 'role' });
  });

  it('a locked allow (the tutor notes exception) does not widen the layers under it', () => {
    const rules = build(
      layer('school', { edit: 'deny' }),
      layer('agent', { edit: { '*': 'deny', 'notes/*': 'allow' } }, { locked: true }),
    );
    expect(decide('edit', 'notes/a.md', rules).action).toBe('deny');
  });

  it('config overrides the agent defaults where no upper layer objects (OpenCode behaviour)', () => {
    const rules = build(layer('project', { external_directory: 'allow' }));
    expect(decide('external_directory', '/tmp/x', rules).action).toBe('allow');
    expect(decide('external_directory', '/tmp/x', build()).action).toBe('ask');
  });

  it('decideAsk: one denied pattern refuses the whole call and names the rule', () => {
    const rules = build(
      layer('school', { bash: { '*': 'allow', 'rm *': 'deny' } }),
      layer('session', { bash: 'allow' }, { narrowOnly: true }),
    );
    const out = decideAsk('bash', ['ls', 'rm -rf x'], rules);
    expect(out).toMatchObject({ outcome: 'deny', pattern: 'rm -rf x' });
    expect(out.outcome === 'deny' && out.rules).toEqual([{ permission: 'bash', pattern: 'rm *', action: 'deny' }]);
    expect(decideAsk('bash', ['ls'], rules)).toEqual({ outcome: 'allow' });
  });

  it('hiddenTools: a narrow deny keeps the tool; the agent default hides only where no layer speaks', () => {
    expect(hiddenTools(['bash'], build(layer('school', { bash: { 'rm *': 'deny' } })))).toEqual(new Set());
    // `question` is denied by the defaults; the build agent allows it, a school may deny it again.
    expect(hiddenTools(['question'], build())).toEqual(new Set());
    expect(hiddenTools(['question'], build(layer('school', { question: 'deny' })))).toEqual(new Set(['question']));
    expect(
      hiddenTools(['question'], { base: builtinRuleset('general'), layers: [layer('project', { question: 'allow' })] }),
    ).toEqual(new Set());
    expect(hiddenTools(['question'], { base: builtinRuleset('general'), layers: [] })).toEqual(new Set(['question']));
  });
});
