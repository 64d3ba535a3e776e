import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { HttpExceptionFilter } from './core/errors/http-exception.filter';
import { HostPathInterceptor } from './core/http/host-path.interceptor';
import { JsonPrimitiveInterceptor } from './core/http/json-primitive.interceptor';
import { PostStatusInterceptor } from './core/http/post-status.interceptor';
import { validationPipe } from './core/http/validation.pipe';
import { requestIdMiddleware } from './core/http/request-context';
import { InfraModule, type InfraOptions } from './infra/infra.module';
import { domainModules } from './modules/domain-modules';

/** The API process: infra + every domain module + HTTP cross-cutting pieces. */
@Module({})
export class AppModule implements NestModule {
  static forRoot(infra: InfraOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [InfraModule.forRoot(infra), ...domainModules()],
      providers: [
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        { provide: APP_PIPE, useFactory: validationPipe },
        { provide: APP_INTERCEPTOR, useClass: JsonPrimitiveInterceptor },
        { provide: APP_INTERCEPTOR, useClass: PostStatusInterceptor },
        // Last, so it sees the handler's value before the others turn it into text.
        { provide: APP_INTERCEPTOR, useClass: HostPathInterceptor },
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(requestIdMiddleware).forRoutes('*path');
  }
}
