import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';

export class OverviewSessionDto {
  @ApiProperty({ example: 'ses_fe6c0f3d5e4dAbCdEfGhIjKlMn' }) id!: string;
  @ApiProperty({ example: 'How do loops work?' }) title!: string;
  @ApiProperty({ description: 'The project the session works in (use as `?directory=`).' }) directory!: string;
  @ApiProperty({
    enum: ['busy', 'idle', 'waiting'],
    description: '`waiting`: a permission or question awaits an answer.',
  })
  status!: 'busy' | 'idle' | 'waiting';
  @ApiProperty({ example: 1767225600000 }) updated!: number;
}

export class UsageTodayDto {
  @ApiProperty({ example: 3 }) steps!: number;
  @ApiProperty({ example: 5120 }) tokens!: number;
  @ApiProperty({ example: '0.012', description: 'Exact decimal dollars.' }) cost!: string;
}

export class OverviewStudentDto {
  @ApiProperty({ example: 'usr_0193f0c2a1b2AbCdEfGhIjKlMn' }) userID!: string;
  @ApiProperty({ example: 'Ada' }) name!: string;
  @ApiProperty({ type: [OverviewSessionDto], description: 'Sessions active in the last 24 hours, newest first.' })
  sessions!: OverviewSessionDto[];
  @ApiProperty({ example: 1767225600000, nullable: true }) lastActivity!: number | null;
  @ApiProperty({ type: UsageTodayDto }) usageToday!: UsageTodayDto;
}

export class ClassOverviewDto {
  @ApiProperty({ example: 'cls_0193f0c2a1b2AbCdEfGhIjKlMn' }) classID!: string;
  @ApiProperty({ type: [OverviewStudentDto] }) students!: OverviewStudentDto[];
}

export class ClassUsageQueryDto {
  @ApiPropertyOptional({ example: '2026-12-01', description: 'First tenant-local day, inclusive.' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'from must be YYYY-MM-DD' })
  from?: string;
  @ApiPropertyOptional({ example: '2026-12-31', description: 'Last tenant-local day, inclusive.' })
  @IsOptional()
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'to must be YYYY-MM-DD' })
  to?: string;
  @ApiPropertyOptional({ enum: ['json', 'csv'] })
  @IsOptional()
  @IsIn(['json', 'csv'])
  format?: 'json' | 'csv';
}
