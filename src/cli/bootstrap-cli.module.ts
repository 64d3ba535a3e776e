import { DynamicModule, Module } from '@nestjs/common';
import { InfraModule, type InfraOptions } from '../infra/infra.module';
import { domainModules } from '../modules/domain-modules';

/**
 * `npm run bootstrap`'s Nest context: the same domain modules as the API and the worker (STYLE rule 11), without
 * HTTP and without starting queue workers. A hand-picked subset missed the ports PortsModule binds (the auth
 * guard's rate limiter, the tenant service's deletion listener and teacher scope) and did not start at all.
 */
@Module({})
export class BootstrapCliModule {
  static forRoot(infra: InfraOptions): DynamicModule {
    return { module: BootstrapCliModule, imports: [InfraModule.forRoot(infra), ...domainModules()] };
  }
}
