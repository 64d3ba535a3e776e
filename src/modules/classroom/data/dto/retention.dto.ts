import { ApiProperty } from '@nestjs/swagger';

export class RetainedProjectDto {
  @ApiProperty({ example: 'prj_0193f0c2a1b2AbCdEfGhIjKlMn' }) id!: string;
  @ApiProperty({ example: 'fizzbuzz-usr_0193' }) name!: string;
}

export class RetentionReportDto {
  @ApiProperty({ example: 365, nullable: true, description: 'The school setting; null: nothing expires.' })
  retentionDays!: number | null;
  @ApiProperty({ example: 1735689600000, nullable: true, description: 'Unix ms: older than this goes.' })
  cutoff!: number | null;
  @ApiProperty({ example: true, description: 'true: nothing was removed, this is what a run would remove.' })
  dryRun!: boolean;
  @ApiProperty({ example: 12, description: 'Root sessions (with their messages and child sessions).' })
  sessions!: number;
  @ApiProperty({ type: [RetainedProjectDto], description: 'Workspaces (folders and snapshot repositories too).' })
  projects!: RetainedProjectDto[];
  @ApiProperty({ example: 340 }) usageRecords!: number;
}
