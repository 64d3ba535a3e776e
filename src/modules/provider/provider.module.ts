import { Global, Module } from '@nestjs/common';
import { ProviderCatalogueService } from './provider-catalogue.service';
import { ProviderController } from './provider.controller';
import { ProviderService } from './provider.service';

@Global()
@Module({ controllers: [ProviderController], providers: [ProviderService, ProviderCatalogueService], exports: [ProviderService] })
export class ProviderModule {}
