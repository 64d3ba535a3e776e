import { Transform, Type } from 'class-transformer';
import {
  Allow,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { MAX_EPOCH_MS, toBool, toInt } from '../../../core/http/dto-values';

export class PermissionRuleDto {
  @IsString() @Length(1, 200) permission!: string;
  @IsString() @Length(1, 4096) pattern!: string;
  @IsIn(['allow', 'deny', 'ask']) action!: 'allow' | 'deny' | 'ask';
}

export class SessionModelDto {
  @IsString() @Length(1, 200) id!: string;
  @IsString() @Length(1, 100) providerID!: string;
  @IsOptional() @IsString() @Length(1, 100) variant?: string;
}

export class CreateSessionDto {
  @IsOptional() @IsString() @Length(1, 64) parentID?: string;
  @IsOptional() @IsString() @Length(1, 500) title?: string;
  @IsOptional() @IsString() @Length(1, 100) agent?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => SessionModelDto) model?: SessionModelDto;
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => PermissionRuleDto)
  permission?: PermissionRuleDto[];
  @IsOptional() @IsObject() metadata?: Record<string, unknown>;
  /** OpenCode's workspace id (`wrk…`): stored on the session, echoed, and a filter of the lists (`?workspace=`). */
  @IsOptional() @IsString() @Length(4, 64) @Matches(/^wrk[A-Za-z0-9_-]+$/) workspaceID?: string;
}

export class SessionTimeUpdateDto {
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsNumber() @Min(0) @Max(MAX_EPOCH_MS) archived?: number | null;
}

export class UpdateSessionDto {
  @IsOptional() @IsString() @Length(1, 500) title?: string;
  @IsOptional()
  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => PermissionRuleDto)
  permission?: PermissionRuleDto[];
  @IsOptional() @IsObject() @ValidateNested() @Type(() => SessionTimeUpdateDto) time?: SessionTimeUpdateDto;
  /** Replaces the session's metadata (OpenCode keeps the last object sent). */
  @IsOptional() @IsObject() metadata?: Record<string, unknown>;
}

export class ListSessionsQueryDto {
  @IsOptional() @IsString() @Length(1, 1024) directory?: string;
  @IsOptional() @IsString() @Length(0, 64) workspace?: string;
  @IsOptional() @IsIn(['project']) scope?: 'project';
  @IsOptional() @IsString() @Length(0, 1024) path?: string;
  @IsOptional() @Transform(toBool) @IsBoolean() roots?: boolean;
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(MAX_EPOCH_MS) start?: number;
  @IsOptional() @IsString() @Length(0, 500) search?: string;
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1000) limit?: number;
  @IsOptional() @Transform(toBool) @IsBoolean() archived?: boolean;
}

export class MessageListQueryDto {
  @IsOptional() @Transform(toInt) @IsInt() @Min(0) @Max(10_000) limit?: number;
  @IsOptional() @IsString() @Length(1, 64) before?: string;
  @IsOptional() @IsString() @Length(1, 1024) directory?: string;
}

export class PromptModelDto {
  @IsString() @Length(1, 100) providerID!: string;
  @IsString() @Length(1, 200) modelID!: string;
}

/** One prompt part: text, file, agent or subtask (fields by type, as OpenCode's PartInput union). */
export class PromptPartDto {
  @IsIn(['text', 'file', 'agent', 'subtask']) type!: 'text' | 'file' | 'agent' | 'subtask';
  @IsOptional() @IsString() @Length(1, 64) id?: string;
  @ValidateIf((o) => o.type === 'text') @IsString() @Length(0, 2_000_000) text?: string;
  @IsOptional() @IsBoolean() synthetic?: boolean;
  @IsOptional() @IsBoolean() ignored?: boolean;
  @IsOptional() @IsObject() metadata?: Record<string, unknown>;
  @IsOptional() @Allow() time?: unknown;
  @ValidateIf((o) => o.type === 'file') @IsString() @Length(1, 200) mime?: string;
  @ValidateIf((o) => o.type === 'file') @IsString() @Length(1, 30_000_000) url?: string;
  @IsOptional() @IsString() @Length(0, 1024) filename?: string;
  @IsOptional() @IsObject() source?: Record<string, unknown>;
  @ValidateIf((o) => o.type === 'agent') @IsString() @Length(1, 100) name?: string;
  @ValidateIf((o) => o.type === 'subtask') @IsString() @Length(1, 200_000) prompt?: string;
  @ValidateIf((o) => o.type === 'subtask') @IsString() @Length(1, 2000) description?: string;
  @ValidateIf((o) => o.type === 'subtask') @IsString() @Length(1, 100) agent?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => PromptModelDto) model?: PromptModelDto;
  @IsOptional() @IsString() @Length(0, 200) command?: string;
}

/** OpenCode's OutputFormat: `{type:"text"}` or `{type:"json_schema", schema, retryCount (default 2)}`. */
export class PromptFormatDto {
  @IsIn(['text', 'json_schema']) type!: 'text' | 'json_schema';
  @ValidateIf((o) => o.type === 'json_schema') @IsObject() schema?: Record<string, unknown>;
  @IsOptional() @IsInt() @Min(0) @Max(10) retryCount?: number;
}

export class PromptDto {
  @IsArray() @ValidateNested({ each: true }) @Type(() => PromptPartDto) parts!: PromptPartDto[];
  @IsOptional() @IsString() @Length(1, 64) messageID?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => PromptModelDto) model?: PromptModelDto;
  @IsOptional() @IsString() @Length(1, 100) agent?: string;
  @IsOptional() @IsBoolean() noReply?: boolean;
  @IsOptional() @IsString() @Length(0, 200_000) system?: string;
  @IsOptional() @IsString() @Length(1, 100) variant?: string;
  @IsOptional() @IsObject() tools?: Record<string, boolean>;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => PromptFormatDto) format?: PromptFormatDto;
}

export class SessionTokensCacheDto {
  read!: number;
  write!: number;
}

export class SessionTokensDto {
  input!: number;
  output!: number;
  reasoning!: number;
  cache!: SessionTokensCacheDto;
}

export class SessionTimeDto {
  created!: number;
  updated!: number;
  compacting?: number;
  archived?: number;
}

export class SessionDto {
  id!: string;
  slug!: string;
  projectID!: string;
  workspaceID?: string;
  directory!: string;
  parentID?: string;
  title!: string;
  version!: string;
  agent?: string;
  model?: SessionModelDto;
  cost!: number;
  tokens!: SessionTokensDto;
  time!: SessionTimeDto;
}

/** `{info, parts}`; info and parts follow OpenCode's Message and Part schemas. */
export class MessageWithPartsDto {
  info!: object;
  parts!: object[];
}

export class TodoDto {
  content!: string;
  status!: string;
  priority!: string;
}
