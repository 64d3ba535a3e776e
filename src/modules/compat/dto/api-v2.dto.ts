import { Transform, Type } from 'class-transformer';
import {
  IsIn,
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
import { toInt } from '../../../core/http/dto-values';

/** `GET /api/session` (OpenCode's v2 session list), cursor-paginated. */
export class ApiSessionListQueryDto {
  /** Any positive count; a page holds at most 1000 (the rest through `cursor.next`). */
  @IsOptional() @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000) limit?: number;
  @IsOptional() @IsIn(['asc', 'desc']) order?: 'asc' | 'desc';
  @IsOptional() @IsString() @Length(0, 500) search?: string;
  @IsOptional() @IsString() @Length(1, 1024) directory?: string;
  @IsOptional() @IsString() @Length(1, 64) project?: string;
  @IsOptional() @IsString() @Length(0, 1024) subpath?: string;
  @IsOptional() @IsString() @Matches(/^wrk/) @Length(1, 64) workspace?: string;
  /** Opaque: `cursor.next` or `cursor.previous` of the previous page. */
  @IsOptional() @IsString() @Length(1, 512) cursor?: string;
}

export class LocationQueryDto {
  @IsOptional() @IsString() @Length(1, 1024) directory?: string;
  @IsOptional() @IsString() @Length(0, 64) workspace?: string;
}

/** `GET /api/reference?location[directory]=…` (deepObject; the plain query parser keeps the bracketed names). */
export class ApiReferenceQueryDto {
  @IsOptional() @IsObject() @ValidateNested() @Type(() => LocationQueryDto) location?: LocationQueryDto;
  @IsOptional() @IsString() @Length(1, 1024) 'location[directory]'?: string;
  @IsOptional() @IsString() @Length(0, 64) 'location[workspace]'?: string;
}

export class ApiHealthDto {
  healthy!: boolean;
}

export class SessionV2LocationDto {
  directory!: string;
  workspaceID?: string;
}

export class SessionV2InfoDto {
  id!: string;
  parentID?: string;
  projectID!: string;
  agent?: string;
  model?: { id: string; providerID: string; variant?: string };
  cost!: number;
  tokens!: { input: number; output: number; reasoning: number; cache: { read: number; write: number } };
  time!: { created: number; updated: number; archived?: number };
  title!: string;
  location!: SessionV2LocationDto;
  subpath?: string;
  revert?: { messageID: string; partID?: string; snapshot?: string; diff?: string };
}

export class CursorPairDto {
  previous!: string | null;
  next!: string | null;
}

export class SessionsResponseDto {
  data!: SessionV2InfoDto[];
  cursor!: CursorPairDto;
}

export class ReferenceLocationDto {
  directory!: string;
  workspaceID?: string;
  project!: { id: string; directory: string };
}

export class ReferencesResponseDto {
  location!: ReferenceLocationDto;
  data!: { name: string; path: string; description?: string; hidden?: boolean; source: object }[];
}
