import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsObject, IsOptional, IsString, Length, Matches } from 'class-validator';

/** Server names become tool-id prefixes and URL segments: keep them short and printable. */
export const MCP_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/;

export class AddMcpServerDto {
  @IsString()
  @Matches(MCP_NAME, {
    message: 'name must be 1-64 letters, digits, spaces, dots, dashes or underscores, starting with a letter or digit',
  })
  name!: string;

  /** OpenCode's McpLocalConfig `{type:"local", command[], environment?, enabled?, timeout?}` or McpRemoteConfig `{type:"remote", url, headers?, oauth?, enabled?, timeout?}`. */
  @ApiProperty({ type: 'object', additionalProperties: true })
  @IsDefined()
  @IsObject()
  config!: Record<string, unknown>;
}

export class McpAuthCallbackDto {
  @IsString()
  @Length(1, 4096)
  code!: string;

  /** The `oauthState` from `POST /mcp/{name}/auth`; checked when given. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Length(1, 256)
  oauthState?: string;
}

export class McpAuthStartDto {
  authorizationUrl!: string;
  oauthState!: string;
}

export class McpSuccessDto {
  success!: true;
}
