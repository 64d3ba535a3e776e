import {
  defaultModelChoice,
  filterProviders,
  lockedBy,
  policyDefaultAgent,
  policyDefaultModel,
  type UserAccess,
} from './access.policy';

const access = (...lists: UserAccess['lists']): UserAccess => ({ lists, classRules: [] });
const m = (ref: string) => ({ providerID: ref.split('/')[0], modelID: ref.split('/')[1] });

describe('policy defaults and the switch', () => {
  it('the most specific default that every list allows wins; a default a lower list refuses gives way', () => {
    const school = { source: 'school', agents: ['tutor', 'plan'], default_agent: 'plan' };
    expect(policyDefaultAgent(access(school, { source: 'class 7b', default_agent: 'tutor' }))).toBe('tutor');
    // The class names a default the school's list refuses: the school's own default stands.
    expect(policyDefaultAgent(access(school, { source: 'class 7b', default_agent: 'build' }))).toBe('plan');
    // The class narrows to tutor: the school's default (plan) is refused there, so there is no policy default.
    expect(policyDefaultAgent(access(school, { source: 'class 7b', agents: ['tutor'] }))).toBeUndefined();
  });

  it('the default model follows the same rule, and leads the candidates', () => {
    const lists = access(
      { source: 'school', models: ['fake/*'] },
      { source: 'class 7b', default_model: 'fake/cheap' },
      { source: 'assignment A', default_model: 'other/big' },
    );
    expect(policyDefaultModel(lists)).toEqual(m('fake/cheap'));
    expect(defaultModelChoice(lists, [m('fake/big'), m('fake/fake-model')])).toEqual(m('fake/cheap'));
  });

  it('without a policy default: the first allowed candidate, then the first concrete model the lists allow', () => {
    const lists = access({ source: 'class 7b', models: ['fake/cheap', 'fake/*'] });
    expect(defaultModelChoice(lists, [m('other/x'), m('fake/big')])).toEqual(m('fake/big'));
    expect(defaultModelChoice(lists, [m('other/x')])).toEqual(m('fake/cheap'));
    expect(defaultModelChoice(access({ source: 'class', models: ['fake/*'] }), [m('other/x')])).toBeUndefined();
  });

  it('one list with allow_change false locks; true or absent does not', () => {
    expect(lockedBy(access({ source: 'school' }, { source: 'class 7b', allow_change: true }))).toBeUndefined();
    expect(
      lockedBy(access({ source: 'school', allow_change: false }, { source: 'class', allow_change: true })),
    ).toEqual(expect.objectContaining({ source: 'school' }));
  });
});

describe('provider listings', () => {
  const providers = [
    { id: 'fake', models: { 'fake-model': {}, cheap: {} } },
    { id: 'other', models: { big: {} } },
  ];

  it('locked: the default model alone, as its provider default', () => {
    const out = filterProviders(
      access({ source: 'class', allow_change: false }),
      providers,
      { fake: 'fake-model' },
      {
        model: m('fake/cheap'),
        locked: true,
      },
    );
    expect(out.providers.map((p) => [p.id, Object.keys(p.models)])).toEqual([['fake', ['cheap']]]);
    expect(out.default).toEqual({ fake: 'cheap' });
  });

  it('unlocked with a default: every allowed model, the default first choice of its provider', () => {
    const out = filterProviders(
      access({ source: 'class', default_model: 'fake/cheap' }),
      providers,
      {},
      {
        model: m('fake/cheap'),
      },
    );
    expect(out.providers.map((p) => p.id)).toEqual(['fake', 'other']);
    expect(out.default).toEqual({ fake: 'cheap', other: 'big' });
  });
});
