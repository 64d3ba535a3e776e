import { Global, Module } from '@nestjs/common';
import { JwtAuthService } from './jwt-auth.service';
import { JwtController } from './jwt.controller';
import { JwtRepository } from './jwt.repository';
import { JwtSettingsService } from './jwt-settings.service';

/** Host-platform JWT sign-in; global so the AuthGuard can reach JwtAuthService. */
@Global()
@Module({
  controllers: [JwtController],
  providers: [JwtRepository, JwtAuthService, JwtSettingsService],
  exports: [JwtAuthService],
})
export class JwtModule {}
