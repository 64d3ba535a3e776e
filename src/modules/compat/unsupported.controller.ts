import { Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ApiDoc } from '../../core/http/api-doc.decorator';
import { UnsupportedOperationError } from './compat.errors';

const SYNC =
  'the sync protocol replays events between local OpenCode instances; this server is the one shared instance';
const WORKSPACE =
  'remote workspaces move a session between machines through a control plane; here every project lives in its sandboxed workspace on the server';
const OAUTH =
  "provider OAuth logs a personal subscription into the server; a school's provider keys are set by its admin (PUT /auth/{providerID})";
const UPGRADE = 'the server is upgraded by its operator (a new image), never through the API';

const refuse = (operation: string, reason: string): never => {
  throw new UnsupportedOperationError(operation, reason);
};

/**
 * OpenCode operations with no meaning on a hosted, multi-tenant server. They are routed (a client gets a typed
 * answer, not "Cannot POST") and refuse with a 400 UnsupportedOperationError naming the reason.
 */
@ApiTags('unsupported')
@ApiBearerAuth()
@Controller()
export class UnsupportedController {
  @ApiDoc('Sync: start (not available)', 'Sync between local OpenCode instances is not available here: ' + SYNC, [400])
  @Post('sync/start')
  syncStart(): never {
    return refuse('sync.start', SYNC);
  }

  @ApiDoc('Sync: replay (not available)', 'Not available: ' + SYNC, [400])
  @Post('sync/replay')
  syncReplay(): never {
    return refuse('sync.replay', SYNC);
  }

  @ApiDoc('Sync: steal (not available)', 'Not available: ' + SYNC, [400])
  @Post('sync/steal')
  syncSteal(): never {
    return refuse('sync.steal', SYNC);
  }

  @ApiDoc('Sync: history (not available)', 'Not available: ' + SYNC, [400])
  @Post('sync/history')
  syncHistory(): never {
    return refuse('sync.history.list', SYNC);
  }

  @ApiDoc('Workspace adapters (not available)', 'Not available: ' + WORKSPACE, [400])
  @Get('experimental/workspace/adapter')
  workspaceAdapters(): never {
    return refuse('experimental.workspace.adapter.list', WORKSPACE);
  }

  @ApiDoc('Remote workspaces (not available)', 'Not available: ' + WORKSPACE, [400])
  @Get('experimental/workspace')
  workspaces(): never {
    return refuse('experimental.workspace.list', WORKSPACE);
  }

  @ApiDoc('Create a remote workspace (not available)', 'Not available: ' + WORKSPACE, [400])
  @Post('experimental/workspace')
  createWorkspace(): never {
    return refuse('experimental.workspace.create', WORKSPACE);
  }

  @ApiDoc('Sync the workspace list (not available)', 'Not available: ' + WORKSPACE, [400])
  @Post('experimental/workspace/sync-list')
  syncWorkspaces(): never {
    return refuse('experimental.workspace.syncList', WORKSPACE);
  }

  @ApiDoc('Remote workspace status (not available)', 'Not available: ' + WORKSPACE, [400])
  @Get('experimental/workspace/status')
  workspaceStatus(): never {
    return refuse('experimental.workspace.status', WORKSPACE);
  }

  @ApiDoc('Remove a remote workspace (not available)', 'Not available: ' + WORKSPACE, [400])
  @Delete('experimental/workspace/:id')
  removeWorkspace(@Param('id') _id: string): never {
    return refuse('experimental.workspace.remove', WORKSPACE);
  }

  @ApiDoc('Warp to a remote workspace (not available)', 'Not available: ' + WORKSPACE, [400])
  @Post('experimental/workspace/warp')
  warp(): never {
    return refuse('experimental.workspace.warp', WORKSPACE);
  }

  @ApiDoc('Move a session through the control plane (not available)', 'Not available: ' + WORKSPACE, [400])
  @Post('experimental/control-plane/move-session')
  moveSession(): never {
    return refuse('experimental.controlPlane.moveSession', WORKSPACE);
  }

  @ApiDoc('Provider OAuth: authorize (not available)', 'Not available: ' + OAUTH, [400])
  @Post('provider/:providerID/oauth/authorize')
  @HttpCode(200)
  oauthAuthorize(@Param('providerID') _provider: string): never {
    return refuse('provider.oauth.authorize', OAUTH);
  }

  @ApiDoc('Provider OAuth: callback (not available)', 'Not available: ' + OAUTH, [400])
  @Post('provider/:providerID/oauth/callback')
  oauthCallback(@Param('providerID') _provider: string): never {
    return refuse('provider.oauth.callback', OAUTH);
  }

  @ApiDoc('Upgrade the server (not available)', 'Not available: ' + UPGRADE, [400])
  @Post('global/upgrade')
  upgrade(): never {
    return refuse('global.upgrade', UPGRADE);
  }
}
