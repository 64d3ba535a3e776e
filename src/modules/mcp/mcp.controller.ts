import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { AuthContext } from '../../core/auth/auth-context';
import { Auth, Roles } from '../../core/auth/auth.decorators';
import { Directory } from '../../core/http/directory.decorator';
import { AddMcpServerDto, McpAuthCallbackDto, McpAuthStartDto, McpSuccessDto } from './dto/mcp.dto';
import type { McpResource, McpStatus, McpStatusMap } from './mcp.types';
import { McpService } from './mcp.service';

// OpenCode's MCP routes (§2.7). `?directory=` picks the project whose servers are meant.
@ApiTags('mcp')
@ApiBearerAuth()
@Controller()
export class McpController {
  constructor(private readonly mcp: McpService) {}

  @Get('mcp')
  @ApiOperation({
    summary:
      'Status of every MCP server of the project: connected, disabled, failed, needs_auth, needs_client_registration',
  })
  status(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<McpStatusMap> {
    return this.mcp.status(auth, directory);
  }

  @Post('mcp')
  @HttpCode(200)
  @Roles('admin', 'teacher')
  @ApiOperation({ summary: 'Adds (or replaces) an MCP server for the project and connects it; answers the status map' })
  add(
    @Auth() auth: AuthContext,
    @Body() body: AddMcpServerDto,
    @Directory() directory?: string,
  ): Promise<McpStatusMap> {
    return this.mcp.add(auth, directory, body.name, body.config);
  }

  @Post('mcp/:name/connect')
  @HttpCode(200)
  async connect(
    @Auth() auth: AuthContext,
    @Param('name') name: string,
    @Directory() directory?: string,
  ): Promise<boolean> {
    await this.mcp.connect(auth, directory, name);
    return true;
  }

  @Post('mcp/:name/disconnect')
  @HttpCode(200)
  async disconnect(
    @Auth() auth: AuthContext,
    @Param('name') name: string,
    @Directory() directory?: string,
  ): Promise<boolean> {
    await this.mcp.disconnect(auth, directory, name);
    return true;
  }

  @Post('mcp/:name/auth')
  @HttpCode(200)
  @Roles('admin', 'teacher')
  @ApiOperation({
    summary: 'Starts OAuth for a remote server: open authorizationUrl, then post the code to /auth/callback',
  })
  startAuth(
    @Auth() auth: AuthContext,
    @Param('name') name: string,
    @Directory() directory?: string,
  ): Promise<McpAuthStartDto> {
    return this.mcp.startAuth(auth, directory, name);
  }

  @Post('mcp/:name/auth/callback')
  @HttpCode(200)
  @Roles('admin', 'teacher')
  finishAuth(
    @Auth() auth: AuthContext,
    @Param('name') name: string,
    @Body() body: McpAuthCallbackDto,
    @Directory() directory?: string,
  ): Promise<McpStatus> {
    return this.mcp.finishAuth(auth, directory, name, body.code, body.oauthState);
  }

  @Post('mcp/:name/auth/authenticate')
  @HttpCode(200)
  @Roles('admin', 'teacher')
  @ApiOperation({
    summary:
      'Not supported on a hosted server (it would open a browser on the server): always 400 McpUnsupportedOAuthError',
  })
  authenticate(
    @Auth() auth: AuthContext,
    @Param('name') name: string,
    @Directory() directory?: string,
  ): Promise<McpStatus> {
    return this.mcp.authenticate(auth, directory, name);
  }

  @Delete('mcp/:name/auth')
  @Roles('admin', 'teacher')
  removeAuth(
    @Auth() auth: AuthContext,
    @Param('name') name: string,
    @Directory() directory?: string,
  ): Promise<McpSuccessDto> {
    return this.mcp.removeAuth(auth, directory, name);
  }

  @Get('experimental/resource')
  @ApiOperation({ summary: 'Resources of the connected MCP servers, keyed <server>:<resource name>' })
  resources(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<Record<string, McpResource>> {
    return this.mcp.resources(auth, directory);
  }
}
