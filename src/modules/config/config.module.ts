import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { EventModule } from '../event/event.module';
import { ProjectModule } from '../project/project.module';
import { ConfigController } from './config.controller';
import { ConfigFacade } from './config.facade';
import { ConfigRepository } from './config.repository';
import { ConfigService } from './config.service';

@Module({
  imports: [ProjectModule, AuditModule, EventModule],
  controllers: [ConfigController],
  providers: [ConfigService, ConfigRepository, ConfigFacade],
  exports: [ConfigService],
})
export class ConfigModule {}
