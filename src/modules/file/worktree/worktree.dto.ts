import { IsBoolean, IsOptional, IsString, Length } from 'class-validator';

export class WorktreeCreateDto {
  @IsOptional() @IsString() @Length(1, 40) name?: string;
  /** Run in the new worktree (in the sandbox) after the project's own start command. */
  @IsOptional() @IsString() @Length(1, 4096) startCommand?: string;
}

export class WorktreeTargetDto {
  /** The worktree's directory, as listed by GET /experimental/worktree. */
  @IsString() @Length(1, 1024) directory!: string;
}

export class ProjectCopyCreateDto {
  /** `worktree` is the strategy this server offers. */
  @IsString() @Length(1, 40) strategy!: string;
  /** Where the client wants the copy; its last segment names the worktree unless `name` is given. */
  @IsString() @Length(1, 1024) directory!: string;
  @IsOptional() @IsString() @Length(1, 40) name?: string;
}

export class ProjectCopyRemoveDto {
  @IsString() @Length(1, 1024) directory!: string;
  @IsOptional() @IsBoolean() force?: boolean;
}

export class ProjectCopyNameDto {
  @IsOptional() @IsString() @Length(0, 10_000) context?: string;
}

export class WorktreeDto {
  name!: string;
  branch?: string;
  directory!: string;
}
