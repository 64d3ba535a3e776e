import { Module } from '@nestjs/common';
import { SandboxModule } from '../../sandbox/sandbox.module';
import { ShellController } from './shell.controller';
import { ShellService } from './shell.service';

@Module({ imports: [SandboxModule], controllers: [ShellController], providers: [ShellService], exports: [ShellService] })
export class ShellModule {}
