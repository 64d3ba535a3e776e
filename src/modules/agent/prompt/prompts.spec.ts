import { COMPACTION_SECTIONS, COMPACTION_TEMPLATE, compactionRequest } from './compaction.prompt';
import { MAX_STEPS_REMINDER, PLAN_MODE_REMINDER, queuedUserMessageReminder } from './reminders.prompt';
import { TITLE_PROMPT } from './title.prompt';

describe('compaction prompt', () => {
  it('template has every section heading in order, with the progress sub-sections', () => {
    const positions = COMPACTION_SECTIONS.map((s) => COMPACTION_TEMPLATE.indexOf(`## ${s}\n`));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    const progress = COMPACTION_TEMPLATE.slice(positions[2], positions[3]);
    expect(progress).toMatch(/### Done[\s\S]*### In Progress[\s\S]*### Blocked/);
  });

  it('asks for a new summary, or an update wrapping the previous one', () => {
    const fresh = compactionRequest();
    expect(fresh).toMatch(/new anchored summary/);
    expect(fresh).not.toContain('<previous-summary>');
    expect(fresh).toContain(COMPACTION_TEMPLATE);

    const update = compactionRequest('## Goal\n- ship it\n');
    expect(update).toMatch(/Update the anchored summary/);
    expect(update).toContain('<previous-summary>\n## Goal\n- ship it\n</previous-summary>');
    expect(update).toContain(COMPACTION_TEMPLATE);
    expect(compactionRequest('   ')).toBe(fresh);
  });
});

describe('other prompts', () => {
  it('title prompt states the 50 character and same-language rules', () => {
    expect(TITLE_PROMPT).toMatch(/50 characters/);
    expect(TITLE_PROMPT).toMatch(/same language/);
  });

  it('reminders are wrapped or phrased for their position', () => {
    expect(PLAN_MODE_REMINDER.startsWith('<system-reminder>')).toBe(true);
    expect(PLAN_MODE_REMINDER.trimEnd().endsWith('</system-reminder>')).toBe(true);
    expect(MAX_STEPS_REMINDER).toMatch(/maximum number of steps/);
    const queued = queuedUserMessageReminder('also fix the README');
    expect(queued).toContain('also fix the README');
    expect(queued).toMatch(/^<system-reminder>[\s\S]*<\/system-reminder>$/);
  });
});
