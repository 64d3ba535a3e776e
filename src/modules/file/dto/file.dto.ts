import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { toInt } from '../../../core/http/dto-values';

// `directory` and `workspace` are OpenCode's instance selectors; @Directory() reads the first, the second is ignored.
class InstanceQueryDto {
  @IsOptional() @IsString() @Length(0, 1024) directory?: string;
  @IsOptional() @IsString() @Length(0, 1024) workspace?: string;
}

export class FileListQueryDto extends InstanceQueryDto {
  @IsOptional() @IsString() @Length(0, 4096) path?: string;
}

export class FileContentQueryDto extends InstanceQueryDto {
  @IsString() @Length(1, 4096) path!: string;
}

export class FindTextQueryDto extends InstanceQueryDto {
  @IsString() @Length(1, 1000) pattern!: string;
}

export class FindFileQueryDto extends InstanceQueryDto {
  @IsString() @Length(0, 1000) query!: string;
  @IsOptional() @IsIn(['true', 'false']) dirs?: 'true' | 'false';
  @IsOptional() @IsIn(['file', 'directory']) type?: 'file' | 'directory';
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(200) limit?: number;
}

export class FindSymbolQueryDto extends InstanceQueryDto {
  @IsString() @Length(0, 1000) query!: string;
}

export class VcsDiffQueryDto extends InstanceQueryDto {
  @IsIn(['git', 'branch']) mode!: 'git' | 'branch';
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(1000) context?: number;
}
