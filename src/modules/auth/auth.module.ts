import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditModule } from '../audit/audit.module';
import { EventModule } from '../event/event.module';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { AuthGuard } from './auth.guard';
import { JwtAuthService } from './jwt/jwt-auth.service';
import { JwtSettingsService } from './jwt/jwt-settings.service';
import { JwtController } from './jwt/jwt.controller';
import { JwtRepository } from './jwt/jwt.repository';

/** API keys and host-platform JWTs behind one global guard; the guard's rate limit is the RATE_LIMITER port. */
@Module({
  imports: [AuditModule, EventModule],
  controllers: [JwtController],
  providers: [
    ApiKeyRepository,
    ApiKeyService,
    JwtRepository,
    JwtAuthService,
    JwtSettingsService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [ApiKeyService, JwtAuthService],
})
export class AuthModule {}
