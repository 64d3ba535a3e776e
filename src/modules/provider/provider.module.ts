import { Global, Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { ProviderAuthController } from './auth.controller';
import { CredentialRepository } from './credential.repository';
import { CredentialService } from './credential.service';
import { ProviderCatalogueService } from './provider-catalogue.service';
import { ProviderController } from './provider.controller';
import { ProviderService } from './provider.service';

@Global()
@Module({
  imports: [AccessModule],
  controllers: [ProviderController, ProviderAuthController],
  providers: [ProviderService, ProviderCatalogueService, CredentialService, CredentialRepository],
  exports: [ProviderService, CredentialService],
})
export class ProviderModule {}
