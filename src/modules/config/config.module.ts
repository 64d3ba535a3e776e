import { Global, Module } from '@nestjs/common';
import { ConfigController } from './config.controller';
import { ConfigFacade } from './config.facade';
import { ConfigRepository } from './config.repository';
import { ConfigService } from './config.service';

@Global()
@Module({ controllers: [ConfigController], providers: [ConfigService, ConfigRepository, ConfigFacade], exports: [ConfigService] })
export class ConfigModule {}
