import { Module } from '@nestjs/common';
import { ConfigModule } from '../config/config.module';
import { AccessRepository } from './access.repository';
import { AccessService } from './access.service';

/** Allow-lists of agents and models per role and class; read by the TurnContext and the listings. */
@Module({ imports: [ConfigModule], providers: [AccessService, AccessRepository], exports: [AccessService] })
export class AccessModule {}
