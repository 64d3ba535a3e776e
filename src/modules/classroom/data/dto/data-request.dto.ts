import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export class ExportQueryDto {
  @ApiPropertyOptional({
    enum: ['json', 'tar.gz'],
    description:
      '`json` (default): sessions with messages, usage and audit entries; `tar.gz`: the same JSON as ' +
      '`export.json` plus every workspace of the person under `workspaces/<name>/`.',
  })
  @IsOptional()
  @IsIn(['json', 'tar.gz'])
  format?: 'json' | 'tar.gz';
}

export class ErasedCountsDto {
  @ApiProperty({ example: 3 }) sessions!: number;
  @ApiProperty({ example: 42 }) messages!: number;
  @ApiProperty({ example: 120 }) parts!: number;
  @ApiProperty({ example: 2, description: 'Projects (workspaces) owned by the person.' }) projects!: number;
  @ApiProperty({ example: 2, description: 'Workspace folders removed from disk.' }) workspaceDirs!: number;
  @ApiProperty({ example: 2, description: 'Snapshot repositories removed from disk.' }) snapshotRepos!: number;
  @ApiProperty({ example: 1, description: 'Their folders in collected submissions.' }) collectionFolders!: number;
  @ApiProperty({ example: 1 }) assignmentCopies!: number;
  @ApiProperty({ example: 7, description: 'Usage rows detached from the person (the school keeps the totals).' })
  usageRecordsDetached!: number;
  @ApiProperty({ example: 1 }) apiKeys!: number;
  @ApiProperty({ example: 1 }) classMemberships!: number;
  @ApiProperty({ example: 2, description: 'Budgets, allowances, buckets and counters kept for them alone.' })
  budgetRows!: number;
  @ApiProperty({ example: 35, description: 'Events removed from the replay window.' }) replayEvents!: number;
  @ApiProperty({ example: 1, description: 'Stored jobs (queued, finished or failed) about their sessions.' })
  queuedJobs!: number;
}

export class ErasureCheckDto {
  @ApiProperty({ example: 0 }) sessions!: number;
  @ApiProperty({ example: 0 }) messages!: number;
  @ApiProperty({ example: 0 }) parts!: number;
  @ApiProperty({ example: 0 }) projects!: number;
  @ApiProperty({ example: 0 }) workspaceDirs!: number;
  @ApiProperty({ example: 0 }) snapshotRepos!: number;
  @ApiProperty({ example: 0 }) collectionFolders!: number;
  @ApiProperty({ example: 0 }) usageRecords!: number;
  @ApiProperty({ example: 0 }) apiKeys!: number;
  @ApiProperty({ example: 0 }) assignmentCopies!: number;
  @ApiProperty({ example: 0 }) replayEvents!: number;
  @ApiProperty({ example: 0 }) queuedJobs!: number;
  @ApiProperty({ example: 0, description: 'Jobs still running (they hold a lock; they end on their own).' })
  runningJobs!: number;
}

export class ErasureReportDto {
  @ApiProperty({ example: 'usr_0193f0c2a1b2AbCdEfGhIjKlMn' }) userID!: string;
  @ApiProperty({ example: 1767225600000 }) erasedAt!: number;
  @ApiProperty({ type: ErasedCountsDto }) removed!: ErasedCountsDto;
  @ApiProperty({
    example: { auditEntries: 12, user: 'anonymised' },
    description: 'Audit entries stay (ids only: who did what); the account row stays anonymised so ids still resolve.',
  })
  kept!: { auditEntries: number; user: 'anonymised' };
  @ApiProperty({ type: ErasureCheckDto, description: 'Counted again after the removal: all zero when complete.' })
  verified!: ErasureCheckDto;
  @ApiProperty({ example: true }) complete!: boolean;
}
