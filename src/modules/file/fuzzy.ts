/**
 * A subsequence score for file search: every query character must appear in order. Consecutive runs, matches
 * at the start of a path segment and matches in the file name score higher; shorter paths win ties.
 */
export function fuzzyScore(query: string, candidate: string): number | undefined {
  if (!query) return 0;
  const q = query.toLowerCase();
  const c = candidate.toLowerCase();
  const nameStart = c.lastIndexOf('/', c.length - 2) + 1;
  let score = 0;
  let run = 0;
  let from = 0;
  for (const ch of q) {
    const at = c.indexOf(ch, from);
    if (at < 0) return undefined;
    run = at === from && from > 0 ? run + 1 : 0;
    score += 1 + run * 2;
    if (at === 0 || c[at - 1] === '/' || c[at - 1] === '-' || c[at - 1] === '_' || c[at - 1] === '.') score += 3;
    if (at >= nameStart) score += 1;
    from = at + 1;
  }
  if (c.includes(q)) score += q.length * 2;
  return score - candidate.length / 1000;
}

export function fuzzyFilter(query: string, candidates: string[], limit: number): string[] {
  const scored: { c: string; s: number }[] = [];
  for (const c of candidates) {
    const s = fuzzyScore(query, c);
    if (s !== undefined) scored.push({ c, s });
  }
  return scored
    .sort((a, b) => b.s - a.s || a.c.localeCompare(b.c))
    .slice(0, limit)
    .map((x) => x.c);
}
