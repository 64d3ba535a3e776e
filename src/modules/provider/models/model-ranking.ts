// OpenCode's model choice rules (provider.ts `sort`, `getSmallModel`).

const PRIORITY = ['gpt-5', 'claude-sonnet-4', 'big-pickle', 'gemini-3-pro'];

function priorityOf(id: string): number {
  return PRIORITY.findIndex((p) => id.includes(p));
}

/** Best first: priority families (later in the list ranks higher), then `latest` ids, then id descending. */
export function sortModelIds(ids: string[]): string[] {
  return [...ids].sort((a, b) => {
    const p = priorityOf(b) - priorityOf(a);
    if (p !== 0) return p;
    const l = (a.includes('latest') ? 0 : 1) - (b.includes('latest') ? 0 : 1);
    if (l !== 0) return l;
    return a < b ? 1 : a > b ? -1 : 0;
  });
}

const SMALL = [
  'claude-haiku-4-5',
  'claude-haiku-4.5',
  '3-5-haiku',
  '3.5-haiku',
  'gemini-3-flash',
  'gemini-2.5-flash',
  'gpt-5-nano',
];

/** The cheap model used for titles and summaries when config sets no `small_model`. */
export function pickSmallModelId(providerId: string, ids: string[]): string | undefined {
  let priority = SMALL;
  if (providerId.startsWith('opencode')) priority = ['gpt-5-nano'];
  if (providerId.startsWith('github-copilot')) priority = ['gpt-5-mini', ...SMALL];
  for (const wanted of priority) {
    const match = sortModelIds(ids.filter((id) => id.includes(wanted)))[0];
    if (match) return match;
  }
  return undefined;
}

/** `provider/model` (the model id may itself contain slashes). */
export function parseModelRef(ref: string): { providerID: string; modelID: string } | undefined {
  const slash = ref.indexOf('/');
  if (slash <= 0 || slash === ref.length - 1) return undefined;
  return { providerID: ref.slice(0, slash), modelID: ref.slice(slash + 1) };
}
