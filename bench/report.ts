import type { Metric } from './scenarios/scenario';
import type { TargetName } from './servers/target';

export interface TargetResult {
  name: TargetName;
  label: string;
  bootMs?: number;
  error?: string;
  notes: string[];
  scenarios: Record<string, { ms: number; error?: string; notes: string[] }>;
  metrics: Metric[];
}

export interface BenchResult {
  command: string;
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; loadAvgAtStart: number[]; loadAvgAtEnd: number[]; node: string; platform: string };
  options: Record<string, unknown>;
  targets: TargetResult[];
  /** The first of `tables` (older readers). */
  rows: Row[];
  /** One comparison per mode of ours against OpenCode of the same run. */
  tables: { target: TargetName; label: string; rows: Row[] }[];
}

export interface Row {
  key: string;
  label: string;
  unit: string;
  better: 'lower' | 'higher';
  opencode: number | null;
  ours: number | null;
  /** ours / OpenCode; below 1 is better for times, above 1 for rates. */
  ratio: number | null;
}

export function buildRows(targets: TargetResult[], ours: TargetName = 'ours'): Row[] {
  const byKey = new Map<string, Row>();
  for (const t of targets) {
    const column = t.name === 'opencode' ? 'opencode' : t.name === ours ? 'ours' : undefined;
    if (!column) continue;
    for (const m of t.metrics) {
      const row = byKey.get(m.key) ?? { key: m.key, label: m.label, unit: m.unit, better: m.better, opencode: null, ours: null, ratio: null };
      row[column] = m.value;
      byKey.set(m.key, row);
    }
  }
  for (const row of byKey.values()) {
    row.ratio = row.opencode && row.ours !== null && Number.isFinite(row.ours) ? Number((row.ours / row.opencode).toFixed(2)) : null;
  }
  return [...byKey.values()];
}

export function buildTables(targets: TargetResult[]): BenchResult['tables'] {
  return targets.filter((t) => t.name !== 'opencode').map((t) => ({ target: t.name, label: t.label, rows: buildRows(targets, t.name) }));
}

const fmt = (v: number | null) => {
  if (v === null || !Number.isFinite(v)) return '—';
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(2);
};

export function markdown(result: BenchResult): string {
  const opencode = result.targets.find((t) => t.name === 'opencode');
  const lines = [
    `Command: \`${result.command}\`  `,
    `Run ${result.startedAt} → ${result.finishedAt}, ${result.machine.cpus} cores, load average at start ${result.machine.loadAvgAtStart.map((l) => l.toFixed(1)).join('/')}, at the end ${result.machine.loadAvgAtEnd.map((l) => l.toFixed(1)).join('/')}, node ${result.machine.node}.`,
    ...result.targets.flatMap((t) => (t.notes[0]?.startsWith('figures from an earlier run') ? [`**${t.label} column: ${t.notes[0]}.**`] : [])),
  ];
  const tables = result.tables ?? [{ target: 'ours' as TargetName, label: result.targets.find((t) => t.name === 'ours')?.label ?? 'ours', rows: result.rows }];
  for (const table of tables) {
    const ours = result.targets.find((t) => t.name === table.target);
    lines.push('', `### ${table.label} against ${opencode?.label ?? 'OpenCode'}`, '');
    lines.push(`| metric | unit | ${opencode?.label ?? 'OpenCode'} | ${table.label} | ours / OpenCode |`, '| --- | --- | ---: | ---: | ---: |');
    const rows: Row[] = [{ key: 'boot', label: 'Boot: spawn → listening line', unit: 'ms', better: 'lower', opencode: opencode?.bootMs ?? null, ours: ours?.bootMs ?? null, ratio: null }, ...table.rows];
    for (const row of rows) {
      const ratio = row.ratio ?? (row.opencode && row.ours ? Number((row.ours / row.opencode).toFixed(2)) : null);
      const arrow = row.better === 'lower' ? '↓' : '↑';
      lines.push(`| ${row.label} ${arrow} | ${row.unit} | ${fmt(row.opencode)} | ${fmt(row.ours)} | ${ratio === null ? '—' : `${ratio.toFixed(2)}×`} |`);
    }
  }
  lines.push('', '↓ lower is better, ↑ higher is better.');
  for (const t of result.targets) {
    const notes = [...(t.error ? [`did not run: ${t.error}`] : []), ...t.notes.filter((n) => !n.startsWith('work dir'))];
    for (const [name, s] of Object.entries(t.scenarios)) {
      if (s.error) notes.push(`${name}: ${s.error}`);
      for (const n of s.notes) notes.push(`${name}: ${n}`);
    }
    if (notes.length) lines.push('', `Notes, ${t.label}:`, ...notes.map((n) => `- ${n}`));
  }
  return lines.join('\n');
}
