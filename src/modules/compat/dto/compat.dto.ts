import { IsIn, IsObject, IsOptional, IsString, Length } from 'class-validator';

export class LogEntryDto {
  @IsString() @Length(1, 100) service!: string;
  @IsIn(['debug', 'info', 'error', 'warn']) level!: 'debug' | 'info' | 'error' | 'warn';
  @IsString() @Length(0, 8192) message!: string;
  @IsOptional() @IsObject() extra?: Record<string, unknown>;
}

export class CapabilitiesDto {
  /** Whether a blocking subagent can be sent to the background (POST /experimental/session/{id}/background). */
  backgroundSubagents!: boolean;
}
