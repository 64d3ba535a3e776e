import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { BootstrapCliModule } from '../../../src/cli/bootstrap-cli.module';
import { loadConfig } from '../../../src/core/config/app-config';
import { createLogger } from '../../../src/core/logging/logger';
import { ApiKeyService } from '../../../src/modules/auth/api-key.service';
import { BootstrapService } from '../../../src/modules/tenant/bootstrap.service';
import { createTestDatabase, type TestDatabase } from '../../utils/test-database';

// `npm run bootstrap` (and compose's `run --rm api node dist/cli/bootstrap.js`) builds this context: it must start
// with only infra, keys and tenants (the compose stack test found it missing a port the auth guard injects), create
// the first platform administrator once, and hand out a key that authenticates.

let db: TestDatabase;
let ctx: INestApplicationContext | undefined;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await ctx?.close();
  await db?.close();
});

it('starts, creates the first platform administrator once, and its key authenticates', async () => {
  const config = loadConfig({ DATABASE_URL: db.url, DATA_DIR: '/tmp/oc-bootstrap-cli-spec', LOG_LEVEL: 'silent' });
  const logger = createLogger('silent');
  const database = { url: db.url, embedded: false, stop: async () => undefined };
  ctx = await NestFactory.createApplicationContext(
    BootstrapCliModule.forRoot({
      config: Object.freeze({ ...config, redisUrl: undefined, workersInApi: false }),
      database,
      logger,
    }),
    { logger: false, abortOnError: false },
  );
  const bootstrap = ctx.get(BootstrapService);
  const created = await bootstrap.ensureFirstTenant({ slug: 'platform', name: 'Platform administration' });
  expect(created).not.toBeNull();
  const auth = await ctx.get(ApiKeyService).verify(created!.key);
  expect(auth).toMatchObject({ tenantId: created!.tenantId, role: 'admin' });
  expect(await bootstrap.ensureFirstTenant({ slug: 'platform', name: 'Platform administration' })).toBeNull();
});
