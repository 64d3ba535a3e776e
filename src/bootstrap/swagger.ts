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
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'doc', swaggerOptions: { persistAuthorization: true } });
}
