import { Global, Module } from '@nestjs/common';
import { ConfigRepository } from './config.repository';
import { ConfigService } from './config.service';

@Global()
@Module({ providers: [ConfigService, ConfigRepository], exports: [ConfigService] })
export class ConfigModule {}
