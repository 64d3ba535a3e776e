import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { VERSION } from '../core/version';

/** Swagger UI at /docs, the OpenAPI JSON at /doc (where OpenCode serves its own). */
export function setupSwagger(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('opencode-api')
    .setDescription(
      'Multi-tenant, OpenCode-compatible coding-agent backend. Authorize with an API key: Bearer <key> ' +
        '(or HTTP Basic with the key as password, as the OpenCode SDK sends it).',
    )
    .setVersion(VERSION)
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key' })
    .addBasicAuth({ type: 'http', scheme: 'basic', description: 'Any user name, the API key as password' })
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // PostStatusInterceptor answers OpenCode's POST routes with 200, as OpenCode does; say so in the document too.
  for (const [route, item] of Object.entries(document.paths)) {
    const created = item.post?.responses?.['201'];
    if (created && !route.startsWith('/admin/')) {
      item.post!.responses = {
        '200': created,
        ...Object.fromEntries(Object.entries(item.post!.responses).filter(([code]) => code !== '201')),
      };
    }
  }
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'doc',
    swaggerOptions: { persistAuthorization: true },
  });
}
