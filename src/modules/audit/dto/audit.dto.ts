import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { IsStorableTime } from '../../../core/http/dto-values';

export class AuditQueryDto {
  @IsOptional() @IsString() @Length(1, 64) action?: string;
  @IsOptional() @IsString() @Length(1, 64) actorId?: string;
  @IsOptional() @IsString() @Length(1, 200) target?: string;
  /** ISO 8601; entries at or after. */
  @IsOptional() @IsStorableTime() from?: string;
  /** ISO 8601; entries before. */
  @IsOptional() @IsStorableTime() to?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

export class AuditEntryDto {
  id!: string;
  actorId!: string | null;
  action!: string;
  target!: string | null;
  details!: Record<string, unknown>;
  requestId!: string | null;
  /** Unix milliseconds. */
  time!: number;
}
