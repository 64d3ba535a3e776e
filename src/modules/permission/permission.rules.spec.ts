import * as fc from 'fast-check';
import {
  approvalRules,
  disabledTools,
  evaluateAsk,
  evaluate,
  fromConfig,
  fromLegacyTools,
  matchingRules,
  merge,
  type Ruleset,
  wildcardMatch,
} from './permission.rules';
import {
  PermissionCorrectedError,
  PermissionDeniedError,
  PermissionRejectedError,
  stopsLoop,
} from './permission.errors';

describe('wildcardMatch', () => {
  it.each([
    ['anything', '*', true],
    ['', '*', true],
    ['src/a/b.ts', 'src/*', true],
    ['src/a/b.ts', 'src/*.ts', true],
    ['src/a/b.js', 'src/*.ts', false],
    ['a.env', '*.env', true],
    ['a.env.local', '*.env', false],
    ['a.env.local', '*.env.*', true],
    ['cat', 'ca?', true],
    ['cats', 'ca?', false],
    ['git commit', 'git commit *', true],
    ['git commit -m x', 'git commit *', true],
    ['git commitx', 'git commit *', false],
    ['git', 'git commit *', false],
    ['a.b', 'a.b', true],
    ['axb', 'a.b', false],
    ['(x)+[y]', '(x)+[y]', true],
    ['$HOME/x', '$HOME/*', true],
    ['line1\nline2', 'line1*', true],
    ['C:\\work\\a.ts', 'C:/work/*', true],
    ['bash', 'ba*', true],
    ['edit', 'read', false],
    [' * ', ' *', true],
    ['a*b', 'a*', true],
    ['a*b', 'a?b', true],
  ])('%j ~ %j -> %s', (text, pattern, expected) => {
    expect(wildcardMatch(text, pattern)).toBe(expected);
  });
});

describe('evaluate', () => {
  const rules: Ruleset = [
    { permission: '*', pattern: '*', action: 'allow' },
    { permission: 'bash', pattern: '*', action: 'ask' },
    { permission: 'bash', pattern: 'rm *', action: 'deny' },
    { permission: 'bash', pattern: 'rm -i *', action: 'ask' },
  ];

  it.each([
    ['read', 'src/a.ts', 'allow'],
    ['bash', 'ls -la', 'ask'],
    ['bash', 'rm -rf /', 'deny'],
    ['bash', 'rm', 'deny'],
    ['bash', 'rm -i a', 'ask'],
  ] as const)('%s %s -> %s', (permission, pattern, action) => {
    expect(evaluate(permission, pattern, rules).action).toBe(action);
  });

  it('returns the deciding rule', () => {
    expect(evaluate('bash', 'rm x', rules).rule).toEqual(rules[2]);
  });

  it('defaults to ask with no rule when nothing matches', () => {
    expect(evaluate('webfetch', 'https://x', [{ permission: 'bash', pattern: '*', action: 'allow' }])).toEqual({
      action: 'ask',
    });
    expect(evaluate('webfetch', 'https://x')).toEqual({ action: 'ask' });
  });

  it('lets later rulesets win over earlier ones', () => {
    const approved: Ruleset = [{ permission: 'bash', pattern: 'rm *', action: 'allow' }];
    expect(evaluate('bash', 'rm a', rules, approved).action).toBe('allow');
    expect(evaluate('bash', 'rm a', approved, rules).action).toBe('deny');
  });

  it('lists every matching rule in order', () => {
    expect(matchingRules('bash', 'rm -i a', rules)).toEqual([rules[0], rules[1], rules[2], rules[3]]);
    expect(matchingRules('read', 'a', rules)).toEqual([rules[0]]);
  });
});

describe('fromConfig', () => {
  it('turns a single action into a catch-all rule', () => {
    expect(fromConfig('deny')).toEqual([{ permission: '*', pattern: '*', action: 'deny' }]);
    expect(fromConfig(undefined)).toEqual([]);
  });

  it('keeps key order and pattern order', () => {
    const rules = fromConfig({
      edit: 'deny',
      bash: { '*': 'ask', 'git *': 'allow', 'git push *': 'deny' },
      read: 'allow',
    });
    expect(rules).toEqual([
      { permission: 'edit', pattern: '*', action: 'deny' },
      { permission: 'bash', pattern: '*', action: 'ask' },
      { permission: 'bash', pattern: 'git *', action: 'allow' },
      { permission: 'bash', pattern: 'git push *', action: 'deny' },
      { permission: 'read', pattern: '*', action: 'allow' },
    ]);
    expect(evaluate('bash', 'git push origin', rules).action).toBe('deny');
    expect(evaluate('bash', 'git status', rules).action).toBe('allow');
  });

  it('expands ~ and $HOME only at the start of a pattern', () => {
    const rules = fromConfig(
      { external_directory: { '~/projects/*': 'allow', '$HOME/tmp/*': 'allow', '~': 'deny', 'a/~/b': 'ask' } },
      { home: '/home/kid/' },
    );
    expect(rules.map((r) => r.pattern)).toEqual(['/home/kid/projects/*', '/home/kid/tmp/*', '/home/kid', 'a/~/b']);
  });

  it('leaves ~ alone without a home directory', () => {
    expect(fromConfig({ read: { '~/x': 'deny' } })[0].pattern).toBe('~/x');
  });
});

describe('merge', () => {
  it('concatenates in order, skipping missing layers', () => {
    const a: Ruleset = [{ permission: 'a', pattern: '*', action: 'allow' }];
    const b: Ruleset = [{ permission: 'b', pattern: '*', action: 'deny' }];
    expect(merge(a, undefined, b)).toEqual([...a, ...b]);
  });
});

describe('disabledTools', () => {
  const tools = ['read', 'edit', 'write', 'apply_patch', 'multiedit', 'bash', 'webfetch'];

  it('hides tools whose last rule is a blanket deny, with edit covering the edit family', () => {
    const ruleset: Ruleset = [
      { permission: '*', pattern: '*', action: 'allow' },
      { permission: 'edit', pattern: '*', action: 'deny' },
      { permission: 'webfetch', pattern: '*', action: 'deny' },
      { permission: 'webfetch', pattern: 'https://docs.example/*', action: 'allow' },
    ];
    expect([...disabledTools(tools, ruleset)].sort()).toEqual(['apply_patch', 'edit', 'multiedit', 'write']);
  });

  it('keeps a tool visible when a narrower allow follows the deny, and hides all on a global deny', () => {
    const ruleset: Ruleset = [
      { permission: '*', pattern: '*', action: 'deny' },
      { permission: 'edit', pattern: 'notes/*', action: 'allow' },
      { permission: 'read', pattern: '*', action: 'allow' },
    ];
    expect([...disabledTools(tools, ruleset)].sort()).toEqual(['bash', 'webfetch']);
  });

  it('does not hide a tool for a narrow deny', () => {
    expect(disabledTools(['bash'], [{ permission: 'bash', pattern: 'rm *', action: 'deny' }]).size).toBe(0);
  });
});

describe('fromLegacyTools', () => {
  it('maps booleans to allow/deny and edit-family names to edit', () => {
    expect(fromLegacyTools({ write: false, bash: true, webfetch: false })).toEqual([
      { permission: 'edit', pattern: '*', action: 'deny' },
      { permission: 'bash', pattern: '*', action: 'allow' },
      { permission: 'webfetch', pattern: '*', action: 'deny' },
    ]);
    expect(fromLegacyTools(undefined)).toEqual([]);
  });
});

describe('permission errors', () => {
  it('denied error carries the rules and tells the model not to retry', () => {
    const rules: Ruleset = [{ permission: 'bash', pattern: 'rm *', action: 'deny' }];
    const err = new PermissionDeniedError('bash', ['rm -rf x'], rules);
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('PermissionDeniedError');
    expect(err.rules).toBe(rules);
    expect(err.message).toContain('rm -rf x');
    expect(err.message).toContain('"pattern":"rm *"');
    expect(err.message).toMatch(/do not retry/i);
  });

  it('corrected error includes the feedback; only a plain rejection stops the loop', () => {
    const corrected = new PermissionCorrectedError('use the tests folder');
    expect(corrected.message).toContain('use the tests folder');
    expect(corrected.feedback).toBe('use the tests folder');
    expect(stopsLoop(new PermissionRejectedError())).toBe(true);
    expect(stopsLoop(corrected)).toBe(false);
    expect(stopsLoop(new PermissionDeniedError('x', [], []))).toBe(false);
  });
});

describe('wildcardMatch properties', () => {
  const literal = fc.string({ maxLength: 30 }).filter((s) => !s.includes('*') && !s.includes('?') && !s.includes('\\'));

  it('a pattern without wildcards matches exactly itself', () => {
    fc.assert(
      fc.property(literal, literal, (a, b) => {
        expect(wildcardMatch(a, a)).toBe(true);
        expect(wildcardMatch(a, b)).toBe(a === b);
      }),
    );
  });

  it('prefix + "*" matches every extension, and "?" counts one character', () => {
    fc.assert(
      fc.property(literal, fc.string({ maxLength: 10 }), (prefix, rest) => {
        expect(wildcardMatch(prefix.replaceAll('\\', '/') + rest.replaceAll('\\', '/'), `${prefix}*`)).toBe(true);
        expect(wildcardMatch(prefix + 'x', `${prefix}?`)).toBe(true);
        expect(wildcardMatch(prefix, `${prefix}?`)).toBe(false);
      }),
    );
  });
});

describe('wildcardMatch against a regex oracle', () => {
  // On short inputs a regex is a trustworthy reference for the documented semantics.
  function oracle(text: string, pattern: string): boolean {
    const tail = pattern.endsWith(' *');
    const body = (tail ? pattern.slice(0, -2) : pattern)
      .split('')
      .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('');
    return new RegExp(`^${body}${tail ? '( .*)?' : ''}$`, 's').test(text);
  }

  it('agrees on random texts and patterns', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '*', '.'), maxLength: 8 });
    const pattern = fc.string({ unit: fc.constantFrom('a', 'b', ' ', '*', '?', '.'), maxLength: 6 });
    fc.assert(
      fc.property(text, pattern, (t, p) => {
        expect(wildcardMatch(t, p)).toBe(oracle(t, p));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('wildcardMatch performance', () => {
  it('stays fast on patterns that would make a regex backtrack', () => {
    // A backtracking matcher never returns here; this one takes about 10 ms. The bound is 500× that, so it catches a
    // complexity regression, never load; the timing itself belongs in bench/.
    const generousBoundMs = 5_000;
    const started = Date.now();
    const text = 'a'.repeat(5000);
    expect(wildcardMatch(text, '*a*a*a*a*a*a*a*a*a*a*a*a*b')).toBe(false);
    expect(wildcardMatch(text + 'b', '*a*a*a*a*a*a*a*a*a*a*a*a*b')).toBe(true);
    expect(Date.now() - started).toBeLessThan(generousBoundMs);
  });
});

describe('evaluateAsk', () => {
  const rules: Ruleset = [
    { permission: 'bash', pattern: '*', action: 'ask' },
    { permission: 'bash', pattern: 'ls *', action: 'allow' },
    { permission: 'bash', pattern: 'git status *', action: 'allow' },
    { permission: 'bash', pattern: 'rm *', action: 'deny' },
  ];

  it('allows when every pattern is allowed', () => {
    expect(evaluateAsk('bash', ['ls -la', 'git status'], rules)).toEqual({ outcome: 'allow' });
    expect(evaluateAsk('bash', [], rules)).toEqual({ outcome: 'allow' });
  });

  it('collects the patterns that still need asking', () => {
    expect(evaluateAsk('bash', ['ls', 'npm test', 'make'], rules)).toEqual({
      outcome: 'ask',
      pending: ['npm test', 'make'],
    });
  });

  it('denies the whole call when one pattern is denied, naming the deny rules', () => {
    expect(evaluateAsk('bash', ['ls', 'rm -rf x', 'npm test'], rules)).toEqual({
      outcome: 'deny',
      pattern: 'rm -rf x',
      rules: [rules[3]],
    });
  });

  it('turns always-patterns into allow rules that later asks honour', () => {
    const approved = approvalRules('bash', ['npm test *', 'make *']);
    expect(approved).toEqual([
      { permission: 'bash', pattern: 'npm test *', action: 'allow' },
      { permission: 'bash', pattern: 'make *', action: 'allow' },
    ]);
    expect(evaluateAsk('bash', ['npm test', 'make all'], rules, approved)).toEqual({ outcome: 'allow' });
  });
});
