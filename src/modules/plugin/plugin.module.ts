import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ConfigModule } from '../config/config.module';
import { EventModule } from '../event/event.module';
import { SandboxModule } from '../sandbox/sandbox.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { PluginHost } from './plugin-host.service';
import { PluginInputFactory } from './plugin-input';
import { PluginKeySweepProcessor } from './plugin-key-sweep.processor';
import { PluginRepository } from './plugin.repository';
import { PluginTurn } from './plugin-turn';

/**
 * Platform plugins (OpenCode's plugin shape): loaded from the platform's config at boot, started per school, user
 * and project, their hooks run by PluginHost. The session loop, the tool calls and the permission asks call it at
 * their one door each; the permission module reaches it through the PERMISSION_HOOK port.
 */
@Module({
  imports: [ConfigModule, EventModule, AuthModule, SandboxModule, WorkspaceModule],
  providers: [PluginHost, PluginInputFactory, PluginKeySweepProcessor, PluginRepository, PluginTurn],
  exports: [PluginHost, PluginTurn],
})
export class PluginModule {}
