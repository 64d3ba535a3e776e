import { IsIn, IsInt, IsObject, IsOptional, IsString, Length, Matches, Min, ValidateIf } from 'class-validator';

export class ProviderIdParamDto {
  @Matches(/^[a-z0-9][a-z0-9._-]{0,63}$/, { message: 'providerID must be a provider id like "openai"' })
  providerID!: string;
}

/** OpenCode's `Auth` union: {type:'api', key} | {type:'oauth', refresh, access, expires} | {type:'wellknown', key, token}. */
export class ProviderAuthDto {
  @IsIn(['api', 'oauth', 'wellknown']) type!: 'api' | 'oauth' | 'wellknown';
  @ValidateIf((o) => o.type !== 'oauth') @IsString() @Length(1, 4096) key?: string;
  @IsOptional() @IsObject() metadata?: Record<string, string>;
  @ValidateIf((o) => o.type === 'oauth') @IsString() @Length(1, 8192) refresh?: string;
  @ValidateIf((o) => o.type === 'oauth') @IsString() @Length(1, 8192) access?: string;
  @ValidateIf((o) => o.type === 'oauth') @IsInt() @Min(0) expires?: number;
  @IsOptional() @IsString() @Length(1, 200) accountId?: string;
  @IsOptional() @IsString() @Length(1, 2048) enterpriseUrl?: string;
  @ValidateIf((o) => o.type === 'wellknown') @IsString() @Length(1, 8192) token?: string;
}
