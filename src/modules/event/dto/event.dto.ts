import { IsOptional, IsString, Length } from 'class-validator';

export class EventQueryDto {
  /** Only this session's events. */
  @IsOptional() @IsString() @Length(1, 64) sessionID?: string;
  /** Project directory (OpenCode's instance selector). */
  @IsOptional() @IsString() @Length(1, 1024) directory?: string;
  @IsOptional() @IsString() @Length(0, 1024) workspace?: string;
}
