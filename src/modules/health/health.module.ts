import { Module } from '@nestjs/common';
import { SandboxModule } from '../sandbox/sandbox.module';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';

@Module({ imports: [SandboxModule], controllers: [HealthController], providers: [HealthService] })
export class HealthModule {}
