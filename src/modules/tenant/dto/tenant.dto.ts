import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsEmail,
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
import { IsStorableTime } from '../../../core/http/dto-values';

/**
 * A school's settings. A school admin sets them through `PATCH /admin/tenants/current`, except the platform's own
 * (`PLATFORM_SETTINGS`: what the host lends a school — its provider keys, its network, its executables).
 */
export class TenantSettingsDto {
  /** Public share links may be created. Off by default. */
  @IsOptional() @IsBoolean() shareAllowed?: boolean;
  /** Share links also show tool calls and outputs, reasoning, attachments, diffs and error messages. Off by default. */
  @IsOptional() @IsBoolean() shareDetails?: boolean;
  /** Platform only: the platform's environment provider keys may be used by this school. */
  @IsOptional() @IsBoolean() envProviderKeys?: boolean;
  @IsOptional() @IsIn(['delete', 'anonymise']) userDeletion?: 'delete' | 'anonymise';
  /** Platform only: network inside the bash sandbox. */
  @IsOptional() @IsBoolean() bashNetwork?: boolean;
  /** Teachers may change (not only read) the workspaces of the students they teach. Off by default. */
  @IsOptional() @IsBoolean() teacherWrites?: boolean;
  /** Platform only: the executables local MCP servers may start (absent: any inside the sandbox). */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  mcpCommands?: string[];
  /**
   * Days sessions, workspaces and usage are kept: older ones are removed by the daily retention job
   * (`GET /admin/retention` shows what the next run removes). Absent or null: kept.
   */
  @IsOptional() @IsInt() @Min(1) @Max(3650) retentionDays?: number | null;
  /** Shown to students with every agent's first answer of a session (e.g. "Answers are written by an AI."). */
  @IsOptional() @IsString() @Length(1, 2000) aiDisclosure?: string | null;
  /**
   * The platform's plugins this school turns on (`true`) or off (`false`); a plugin not listed is on. Names are the
   * platform's (unknown names are refused); the map replaces the stored one.
   */
  @IsOptional() @IsObject() plugins?: Record<string, boolean>;
}

export const PLATFORM_SETTINGS = ['envProviderKeys', 'bashNetwork', 'mcpCommands'] as const;

export class UpdateSchoolDto {
  @IsOptional() @IsObject() @ValidateNested() @Type(() => TenantSettingsDto) settings?: TenantSettingsDto;
}

export class TenantAdminInputDto {
  @IsString() @Length(1, 200) name!: string;
  @IsOptional() @IsEmail() email?: string;
}

export class CreateTenantDto {
  @IsString() @Length(1, 200) name!: string;
  /** URL-safe short name, unique across the platform. */
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9-]{1,62}$/, { message: 'slug must be 2-63 lowercase letters, digits or dashes' })
  slug!: string;
  /** IANA time zone used for daily budgets (default Asia/Seoul). */
  @IsOptional() @IsString() @Length(1, 64) timezone?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => TenantSettingsDto) settings?: TenantSettingsDto;
  @IsDefined() @IsObject() @ValidateNested() @Type(() => TenantAdminInputDto) admin!: TenantAdminInputDto;
}

export class UpdateTenantDto {
  @IsOptional() @IsString() @Length(1, 200) name?: string;
  @IsOptional() @IsString() @Length(1, 64) timezone?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => TenantSettingsDto) settings?: TenantSettingsDto;
}

export class TenantDto {
  id!: string;
  slug!: string;
  name!: string;
  timezone!: string;
  settings!: TenantSettingsDto;
  createdAt!: Date;
}

export class CreatedTenantDto {
  tenant!: TenantDto;
  adminUserId!: string;
  /** The admin's API key. Shown once; only its hash is stored. */
  key!: string;
}

const ROLES = ['admin', 'teacher', 'student'] as const;

export class CreateUserDto {
  @IsString() @Length(1, 200) name!: string;
  @IsOptional() @IsEmail() email?: string;
  @IsIn(ROLES) role!: 'admin' | 'teacher' | 'student';
  /** Subject of the host platform's identity, when known. */
  @IsOptional() @IsString() @Length(1, 200) externalId?: string;
}

export class UpdateUserDto {
  @IsOptional() @IsString() @Length(1, 200) name?: string;
  @IsOptional() @IsEmail() email?: string;
  @IsOptional() @IsIn(ROLES) role?: 'admin' | 'teacher' | 'student';
}

export class UserListQueryDto {
  @IsOptional() @IsIn(ROLES) role?: 'admin' | 'teacher' | 'student';
}

export class UserDto {
  id!: string;
  tenantId!: string;
  name!: string;
  email!: string | null;
  role!: string;
  platformAdmin!: boolean;
  createdAt!: Date;
}

export class CreateKeyDto {
  @IsString() @Length(1, 200) name!: string;
  /** Whose key; defaults to the caller. Tenant admins only for others. */
  @IsOptional() @IsString() @Length(1, 64) userId?: string;
  @IsOptional() @IsStorableTime() expiresAt?: string;
}

export class KeyListQueryDto {
  @IsOptional() @IsString() @Length(1, 64) userId?: string;
}

export class ApiKeyDto {
  id!: string;
  userId!: string;
  name!: string;
  /** First characters of the key, to recognise it. */
  prefix!: string;
  createdAt!: Date;
  lastUsedAt!: Date | null;
  expiresAt!: Date | null;
  revokedAt!: Date | null;
}

export class CreatedKeyDto extends ApiKeyDto {
  /** The key itself. Shown once. */
  key!: string;
}
