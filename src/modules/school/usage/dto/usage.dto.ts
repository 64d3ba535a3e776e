import { IsIn, IsOptional, Matches } from 'class-validator';

export const USAGE_GROUPS = ['tenant', 'class', 'user', 'model', 'day', 'purpose'] as const;
export type UsageGroup = (typeof USAGE_GROUPS)[number];

export class UsageQueryDto {
  @IsOptional() @IsIn(USAGE_GROUPS) groupBy?: UsageGroup;
  /** First tenant-local day, YYYY-MM-DD, inclusive. */
  @IsOptional() @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'from must be YYYY-MM-DD' }) from?: string;
  /** Last tenant-local day, YYYY-MM-DD, inclusive. */
  @IsOptional() @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'to must be YYYY-MM-DD' }) to?: string;
  @IsOptional() @IsIn(['json', 'csv']) format?: 'json' | 'csv';
}

export class UsageTotalsDto {
  steps!: number;
  inputTokens!: number;
  outputTokens!: number;
  reasoningTokens!: number;
  cacheReadTokens!: number;
  cacheWriteTokens!: number;
  /** Exact decimal dollars. */
  cost!: string;
}

export class UsageRowDto extends UsageTotalsDto {
  /** Tenant id, class id, user id, `provider/model`, the day or the purpose. */
  key!: string;
  label?: string;
}

export class UsageReportDto {
  groupBy!: UsageGroup;
  from!: string | null;
  to!: string | null;
  rows!: UsageRowDto[];
  total!: UsageTotalsDto;
}
