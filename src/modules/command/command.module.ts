import { Module } from '@nestjs/common';
import { McpModule } from '../mcp/mcp.module';
import { SandboxModule } from '../sandbox/sandbox.module';
import { SkillModule } from '../skill/skill.module';
import { CommandController } from './command.controller';
import { CommandService } from './command.service';

@Module({ imports: [SandboxModule, McpModule, SkillModule], controllers: [CommandController], providers: [CommandService] })
export class CommandModule {}
