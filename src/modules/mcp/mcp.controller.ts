import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../core/http/api-doc.decorator';
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

  @ApiDoc(
    'MCP server status',
    'Status of every MCP server of the project: connected, disabled, failed, needs_auth, needs_client_registration.',
    [404],
  )
  @Get('mcp')
  status(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<McpStatusMap> {
    return this.mcp.status(auth, directory);
  }

  @ApiDoc(
    'Add an MCP server',
    'Adds (or replaces) an MCP server for the project and connects it; answers the status map. Teachers and admins.',
    [400, 403, 404],
  )
  @Post('mcp')
  @HttpCode(200)
  @Roles('admin', 'teacher')
  add(
    @Auth() auth: AuthContext,
    @Body() body: AddMcpServerDto,
    @Directory() directory?: string,
  ): Promise<McpStatusMap> {
    return this.mcp.add(auth, directory, body.name, body.config);
  }

  @ApiDoc(
    'Connect an MCP server',
    'Connects a configured server; a server the school disabled stays off for students.',
    [400, 403, 404],
  )
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

  @ApiDoc('Disconnect an MCP server', 'Disconnects a server for the project.', [400, 403, 404])
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

  @ApiDoc(
    'Start MCP OAuth',
    "Starts a remote server's OAuth flow: open `authorizationUrl`, then post the code to /auth/callback. Teachers and admins.",
    [400, 403, 404],
  )
  @Post('mcp/:name/auth')
  @HttpCode(200)
  @Roles('admin', 'teacher')
  startAuth(
    @Auth() auth: AuthContext,
    @Param('name') name: string,
    @Directory() directory?: string,
  ): Promise<McpAuthStartDto> {
    return this.mcp.startAuth(auth, directory, name);
  }

  @ApiDoc('Finish MCP OAuth', 'Completes the OAuth flow with the code the provider returned.', [400, 403, 404])
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

  @ApiDoc(
    'Authenticate an MCP server (not available)',
    'Not supported on a hosted server (it would open a browser on the server): always 400 McpUnsupportedOAuthError.',
    [400, 403, 404],
  )
  @Post('mcp/:name/auth/authenticate')
  @HttpCode(200)
  @Roles('admin', 'teacher')
  authenticate(
    @Auth() auth: AuthContext,
    @Param('name') name: string,
    @Directory() directory?: string,
  ): Promise<McpStatus> {
    return this.mcp.authenticate(auth, directory, name);
  }

  @ApiDoc('Remove MCP credentials', "Forgets a remote server's OAuth tokens.", [400, 403, 404])
  @Delete('mcp/:name/auth')
  @Roles('admin', 'teacher')
  removeAuth(
    @Auth() auth: AuthContext,
    @Param('name') name: string,
    @Directory() directory?: string,
  ): Promise<McpSuccessDto> {
    return this.mcp.removeAuth(auth, directory, name);
  }

  @ApiDoc('List MCP resources', 'Resources of the connected MCP servers, keyed `<server>:<resource name>`.', [404])
  @Get('experimental/resource')
  resources(@Auth() auth: AuthContext, @Directory() directory?: string): Promise<Record<string, McpResource>> {
    return this.mcp.resources(auth, directory);
  }
}
