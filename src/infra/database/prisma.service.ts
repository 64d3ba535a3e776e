import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../generated/prisma/client';
import { DATABASE_RUNTIME, type DatabaseRuntime } from './database.runtime';

/** The Prisma client. Only repositories use it (STYLE rule 3). */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleDestroy {
  constructor(@Inject(DATABASE_RUNTIME) runtime: DatabaseRuntime) {
    super({ adapter: new PrismaPg({ connectionString: runtime.url, max: runtime.embedded ? 4 : 10 }) });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}
