import { Module } from '@nestjs/common';
import { SandboxModule } from '../sandbox/sandbox.module';
import { CommandController } from './command.controller';
import { CommandService } from './command.service';

@Module({ imports: [SandboxModule], controllers: [CommandController], providers: [CommandService] })
export class CommandModule {}
