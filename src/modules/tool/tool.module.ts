import { Global, Module } from '@nestjs/common';
import { SandboxModule } from '../sandbox/sandbox.module';
import { ToolRegistry } from './tool.registry';

@Global()
@Module({ imports: [SandboxModule], providers: [ToolRegistry], exports: [ToolRegistry] })
export class ToolModule {}
