import { Type } from 'class-transformer';
import { IsObject, IsOptional, IsString, IsUrl, Length, ValidateNested } from 'class-validator';

export class JwtClaimsDto {
  @IsOptional() @IsString() @Length(1, 100) userId?: string;
  @IsOptional() @IsString() @Length(1, 100) role?: string;
  @IsOptional() @IsString() @Length(1, 100) classes?: string;
  @IsOptional() @IsString() @Length(1, 100) name?: string;
  @IsOptional() @IsString() @Length(1, 100) email?: string;
}

export class SetJwtSettingsDto {
  /** Must equal the token's `iss`; also how a token finds its tenant. */
  @IsString() @Length(1, 500) issuer!: string;
  /** Required: tokens must carry it in `aud` (a token minted for another service is refused). */
  @IsString() @Length(1, 500) audience!: string;
  /** The platform's JWKS endpoint (asymmetric keys). */
  @IsOptional() @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }) jwksUrl?: string;
  /** HS256 shared secret, at least 32 characters. Write-only: never returned; sealed at rest (needs ENCRYPTION_KEYS). */
  @IsOptional() @IsString() @Length(32, 1000) secret?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => JwtClaimsDto) claims?: JwtClaimsDto;
  /** Platform role value → admin | teacher | student. */
  @IsOptional() @IsObject() roleMap?: Record<string, string>;
}

export class JwtSettingsDto {
  enabled!: boolean;
  issuer?: string;
  audience?: string;
  jwksUrl?: string;
  /** Whether an HS256 secret is stored (the secret itself is never returned). */
  hasSecret!: boolean;
  claims?: JwtClaimsDto;
  roleMap?: Record<string, string>;
}
