import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';

export class PtyCreateDto {
  /** A program inside the sandbox (absolute, or found on its PATH); default bash. */
  @IsOptional() @IsString() @Length(1, 1024) @Matches(/^[^=\0]+$/) command?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(64) @IsString({ each: true }) @Length(0, 4096, { each: true }) args?: string[];
  /** Inside the project's workspace (relative to it, or absolute). */
  @IsOptional() @IsString() @Length(1, 4096) cwd?: string;
  @IsOptional() @IsString() @Length(0, 200) title?: string;
  /** Extra variables for the shell; names and sizes are checked by the service. */
  @IsOptional() @IsObject() env?: Record<string, string>;
}

export class PtySizeDto {
  @IsInt() @Min(1) @Max(1000) rows!: number;
  @IsInt() @Min(1) @Max(1000) cols!: number;
}

export class PtyUpdateDto {
  @IsOptional() @IsString() @Length(0, 200) title?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => PtySizeDto) size?: PtySizeDto;
}
