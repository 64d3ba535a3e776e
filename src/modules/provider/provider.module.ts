import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { AgentModule } from '../agent/agent.module';
import { ConfigModule } from '../config/config.module';
import { ProjectModule } from '../project/project.module';
import { ProviderAuthController } from './auth.controller';
import { CredentialRepository } from './credential.repository';
import { CredentialService } from './credential.service';
import { ProviderCatalogueService } from './provider-catalogue.service';
import { ProviderController } from './provider.controller';
import { ProviderService } from './provider.service';

@Module({
  imports: [ConfigModule, ProjectModule, AccessModule, AgentModule],
  controllers: [ProviderController, ProviderAuthController],
  providers: [ProviderService, ProviderCatalogueService, CredentialService, CredentialRepository],
  exports: [ProviderService, CredentialService],
})
export class ProviderModule {}
