import { ANTHROPIC_SYSTEM_PROMPT } from './anthropic.prompt';
import { DEFAULT_SYSTEM_PROMPT } from './default.prompt';
import { environmentBlock } from './environment-block';
import { GEMINI_SYSTEM_PROMPT } from './gemini.prompt';
import { GPT_SYSTEM_PROMPT } from './gpt.prompt';
import { instructionBlocks } from './instruction-blocks';
import { selectSystemPrompt, systemPromptFamily } from './select-system-prompt';
import { buildSystemPrompt } from './system-prompt';

describe('systemPromptFamily', () => {
  it.each([
    ['claude-sonnet-4-5', 'anthropic', 'anthropic'],
    ['anthropic.claude-3-5-haiku', 'amazon-bedrock', 'anthropic'],
    ['anthropic/claude-opus-4', 'openrouter', 'anthropic'],
    ['gpt-5', 'openai', 'gpt'],
    ['gpt-4.1-mini', 'azure', 'gpt'],
    ['gpt-5-codex', 'openai', 'gpt'],
    ['openai/o3-mini', 'openrouter', 'gpt'],
    ['o4-mini', 'openai', 'gpt'],
    ['gemini-2.5-pro', 'google', 'gemini'],
    ['google/gemini-3-flash', 'openrouter', 'gemini'],
    ['qwen3-coder', 'school', 'default'],
    ['llama-3.3-70b', 'groq', 'default'],
    ['moonshot-o1x', 'school', 'default'],
    ['school-large', 'anthropic', 'anthropic'],
    ['custom-model', 'openai', 'gpt'],
  ])('%s on %s -> %s', (modelId, providerId, family) => {
    expect(systemPromptFamily(modelId, providerId)).toBe(family);
  });

  it('returns the family text and distinct texts per family', () => {
    expect(selectSystemPrompt('claude-haiku-4-5', 'anthropic')).toBe(ANTHROPIC_SYSTEM_PROMPT);
    expect(selectSystemPrompt('gpt-5')).toBe(GPT_SYSTEM_PROMPT);
    expect(selectSystemPrompt('gemini-2.5-flash')).toBe(GEMINI_SYSTEM_PROMPT);
    expect(selectSystemPrompt('mistral-small')).toBe(DEFAULT_SYSTEM_PROMPT);
    expect(
      new Set([ANTHROPIC_SYSTEM_PROMPT, GPT_SYSTEM_PROMPT, GEMINI_SYSTEM_PROMPT, DEFAULT_SYSTEM_PROMPT]).size,
    ).toBe(4);
    for (const text of [ANTHROPIC_SYSTEM_PROMPT, GPT_SYSTEM_PROMPT, GEMINI_SYSTEM_PROMPT, DEFAULT_SYSTEM_PROMPT]) {
      expect(text).toMatch(/project folder/);
      expect(text).toMatch(/refused/);
      expect(text).not.toContain('${');
    }
  });
});

describe('environmentBlock', () => {
  it('renders the env facts with a UTC date', () => {
    const block = environmentBlock({
      modelId: 'claude-sonnet-4-5',
      providerId: 'anthropic',
      cwd: '/ws/p1/src',
      worktree: '/ws/p1',
      isGit: true,
      platform: 'linux',
      date: new Date('2026-11-24T23:30:00-05:00'),
    });
    expect(block).toContain('anthropic/claude-sonnet-4-5');
    expect(block).toMatch(
      /<env>\n {2}Working directory: \/ws\/p1\/src\n {2}Project root: \/ws\/p1\n {2}Git repository: yes\n {2}Platform: linux\n {2}Today's date: Wednesday, 2026-11-25\n<\/env>$/,
    );
  });

  it('says no for a non-git folder and keeps a string date verbatim', () => {
    const block = environmentBlock({
      modelId: 'm',
      cwd: '/a',
      worktree: '/a',
      isGit: false,
      platform: 'linux',
      date: 'Mon Jan 05 2026',
    });
    expect(block).toContain('Git repository: no');
    expect(block).toContain("Today's date: Mon Jan 05 2026");
    expect(block).toContain('running as the model m.');
  });
});

describe('instructionBlocks', () => {
  it('labels each file and skips empty ones', () => {
    expect(
      instructionBlocks([
        { path: '/ws/p1/AGENTS.md', content: 'Use tabs.\n\n' },
        { path: 'empty.md', content: '  \n' },
        { path: 'https://school.example/rules.md', content: 'Be kind.' },
      ]),
    ).toEqual([
      'Instructions from: /ws/p1/AGENTS.md\nUse tabs.',
      'Instructions from: https://school.example/rules.md\nBe kind.',
    ]);
  });
});

describe('buildSystemPrompt', () => {
  const environment = {
    modelId: 'gpt-5',
    cwd: '/w',
    worktree: '/w',
    isGit: false,
    platform: 'linux',
    date: '2026-01-01',
  };

  it('uses the provider prompt when the agent has none, then env, instructions, skills and user system', () => {
    const parts = buildSystemPrompt({
      providerId: 'openai',
      environment,
      instructions: [{ path: 'AGENTS.md', content: 'Rule.' }],
      skills: 'Skills: testing',
      userSystem: 'Answer in French.',
    });
    expect(parts[0]).toBe(GPT_SYSTEM_PROMPT);
    expect(parts[1]).toContain('openai/gpt-5');
    expect(parts.slice(2)).toEqual(['Instructions from: AGENTS.md\nRule.', 'Skills: testing', 'Answer in French.']);
  });

  it("prefers the agent's prompt and leaves out empty parts", () => {
    const parts = buildSystemPrompt({
      agentPrompt: 'You are a tutor.',
      providerId: 'openai',
      environment,
      userSystem: ' ',
    });
    expect(parts).toHaveLength(2);
    expect(parts[0]).toBe('You are a tutor.');
  });
});
