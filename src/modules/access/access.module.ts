import { Module } from '@nestjs/common';
import { ConfigModule } from '../config/config.module';
import { EventModule } from '../event/event.module';
import { AccessRepository } from './access.repository';
import { AccessService } from './access.service';

/** Agent and model policies per role, class and assignment; read by the TurnContext and the listings. */
@Module({
  imports: [ConfigModule, EventModule],
  providers: [AccessService, AccessRepository],
  exports: [AccessService],
})
export class AccessModule {}
