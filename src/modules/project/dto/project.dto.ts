import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, IsUrl, Length, ValidateNested } from 'class-validator';

export class ProjectIconDto {
  @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https', 'data'] }) url?: string;
  @IsOptional() @IsString() @Length(0, 2048) override?: string;
  @IsOptional() @IsString() @Length(1, 32) color?: string;
}

export class ProjectCommandsDto {
  @IsOptional() @IsString() @Length(0, 4096) start?: string;
}

export class UpdateProjectDto {
  @IsOptional() @IsString() @Length(1, 200) name?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ProjectIconDto) icon?: ProjectIconDto;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => ProjectCommandsDto) commands?: ProjectCommandsDto;
}

export class ProjectTimeDto {
  created!: number;
  updated!: number;
  initialized?: number;
}

export class ProjectDto {
  id!: string;
  worktree!: string;
  vcs?: 'git';
  name?: string;
  icon?: ProjectIconDto;
  commands?: ProjectCommandsDto;
  time!: ProjectTimeDto;
  sandboxes!: string[];
}

export class PathDto {
  home!: string;
  state!: string;
  config!: string;
  worktree!: string;
  directory!: string;
}

export class DirectoryQueryDto {
  @IsOptional() @IsString() @Length(1, 1024) directory?: string;
  @IsOptional() @IsString() @Length(0, 1024) workspace?: string;
}
