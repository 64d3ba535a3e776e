import { IsBoolean, IsOptional, IsString, Length } from 'class-validator';

export class SummarizeSessionDto {
  @IsString() @Length(1, 100) providerID!: string;
  @IsString() @Length(1, 200) modelID!: string;
  /** Automatic compactions add a "continue" message after the summary; manual ones stop at the summary. */
  @IsOptional() @IsBoolean() auto?: boolean;
}
