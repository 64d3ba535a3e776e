import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { BadRequestError } from '../../../core/errors/domain-error';
import { Prisma } from '../../../generated/prisma/client';
import type { UsageGroup, UsageReportDto, UsageRowDto, UsageTotalsDto } from './dto/usage.dto';
import { UsageRepository, type UsageGroupRow } from './usage.repository';

interface Acc {
  key: string;
  label?: string;
  steps: number;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  cost: Prisma.Decimal;
}

function empty(key: string, label?: string): Acc {
  return {
    key,
    label,
    steps: 0,
    inputTokens: 0,
    outputTokens: 0,
    reasoningTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cost: new Prisma.Decimal(0),
  };
}

function add(acc: Acc, r: UsageGroupRow): void {
  acc.steps += r.steps;
  acc.inputTokens += r.inputTokens;
  acc.outputTokens += r.outputTokens;
  acc.reasoningTokens += r.reasoningTokens;
  acc.cacheReadTokens += r.cacheReadTokens;
  acc.cacheWriteTokens += r.cacheWriteTokens;
  acc.cost = acc.cost.plus(r.cost);
}

function out(acc: Acc): UsageRowDto {
  const { cost, label, ...rest } = acc;
  return { ...rest, ...(label !== undefined ? { label } : {}), cost: cost.toFixed() };
}

function parseDay(s: string | undefined, name: string): Date | undefined {
  if (!s) return undefined;
  const d = new Date(`${s}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== s)
    throw new BadRequestError(`${name} is not a valid date: ${s}`);
  return d;
}

/**
 * Usage totals for the tenant's admins (a row per LLM call: loop steps, subagents, titles, summaries, compactions), summed with exact decimals from UsageRecord rows. Grouping by class
 * counts a student in each class they belong to, so class rows may add up to more than the tenant total.
 */
@Injectable()
export class UsageService {
  constructor(private readonly repo: UsageRepository) {}

  /**
   * Per-student usage of these students (a class, for its teacher): one row each, zero for who used nothing, in the
   * order given. The caller has checked that the auth may see them.
   */
  async ofStudents(
    auth: AuthContext,
    students: { id: string; name: string }[],
    q: { from?: string; to?: string },
  ): Promise<UsageReportDto> {
    const ids = students.map((s) => s.id);
    const rows = await this.repo.grouped(auth.tenantId, ...this.range(q), ids);
    const total = empty('total');
    const groups = new Map(students.map((s) => [s.id, empty(s.id, s.name)]));
    for (const r of rows) {
      add(total, r);
      add(groups.get(r.userId!)!, r);
    }
    return {
      groupBy: 'user',
      from: q.from ?? null,
      to: q.to ?? null,
      rows: [...groups.values()].map(out),
      total: totals(total),
    };
  }

  private range(q: { from?: string; to?: string }): [Date | undefined, Date | undefined] {
    const from = parseDay(q.from, 'from');
    const to = parseDay(q.to, 'to');
    if (from && to && from > to) throw new BadRequestError('from must not be after to');
    return [from, to];
  }

  async report(auth: AuthContext, q: { groupBy?: UsageGroup; from?: string; to?: string }): Promise<UsageReportDto> {
    const groupBy = q.groupBy ?? 'tenant';
    const [from, to] = this.range(q);
    const rows = await this.repo.grouped(auth.tenantId, from, to);
    const total = empty('total');
    for (const r of rows) add(total, r);
    const groups = new Map<string, Acc>();
    const bump = (key: string, r: UsageGroupRow, label?: string) => {
      const acc = groups.get(key) ?? groups.set(key, empty(key, label)).get(key)!;
      add(acc, r);
    };
    if (groupBy === 'class') {
      const byUser = new Map<string, { classId: string; className: string }[]>();
      for (const m of await this.repo.memberships(auth.tenantId))
        byUser.set(m.userId, [...(byUser.get(m.userId) ?? []), m]);
      for (const r of rows)
        for (const m of byUser.get(r.userId ?? '') ?? [{ classId: 'none', className: '(no class)' }])
          bump(m.classId, r, m.className);
    } else if (groupBy === 'user') {
      const names = await this.repo.userNames(auth.tenantId, [
        ...new Set(rows.map((r) => r.userId).filter((x): x is string => !!x)),
      ]);
      for (const r of rows) bump(r.userId ?? 'none', r, r.userId ? (names.get(r.userId) ?? '') : '(deleted)');
    } else {
      const key = (r: UsageGroupRow) =>
        groupBy === 'model'
          ? `${r.providerId}/${r.modelId}`
          : groupBy === 'day'
            ? r.day.toISOString().slice(0, 10)
            : groupBy === 'purpose'
              ? r.purpose
              : auth.tenantId;
      for (const r of rows) bump(key(r), r);
    }
    const sorted = [...groups.values()].sort((a, b) => a.key.localeCompare(b.key)).map(out);
    return { groupBy, from: q.from ?? null, to: q.to ?? null, rows: sorted, total: totals(total) };
  }

  toCsv(report: UsageReportDto): string {
    const header = [
      'key',
      'label',
      'steps',
      'input_tokens',
      'output_tokens',
      'reasoning_tokens',
      'cache_read_tokens',
      'cache_write_tokens',
      'cost',
    ];
    const line = (r: UsageRowDto) =>
      [
        r.key,
        r.label ?? '',
        r.steps,
        r.inputTokens,
        r.outputTokens,
        r.reasoningTokens,
        r.cacheReadTokens,
        r.cacheWriteTokens,
        r.cost,
      ]
        .map(csvCell)
        .join(',');
    return (
      [header.join(','), ...report.rows.map(line), line({ ...report.total, key: 'total', label: '' })].join('\r\n') +
      '\r\n'
    );
  }
}

function csvCell(v: string | number): string {
  const s = String(v);
  // A leading =, +, - or @ would be a formula in a spreadsheet.
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function totals(acc: Acc): UsageTotalsDto {
  const { key: _key, label: _label, ...rest } = out(acc);
  return rest;
}
