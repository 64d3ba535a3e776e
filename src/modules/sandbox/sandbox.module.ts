import { Logger, Module } from '@nestjs/common';
import { join } from 'node:path';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { SandboxPolicy } from './sandbox-policy.service';
import { SandboxRunner } from './sandbox-runner.service';
import { SandboxRepository } from './sandbox.repository';
import { SandboxUnavailableError } from './sandbox.errors';

/**
 * One SandboxRunner per process, mode from config (`SANDBOX=required|optional|off`). The startup check runs
 * here so a server that must sandbox refuses to boot without bubblewrap instead of failing on the first command.
 */
@Module({
  providers: [
    SandboxRepository,
    SandboxPolicy,
    {
      provide: SandboxRunner,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig) => {
        const runner = new SandboxRunner({ mode: config.sandbox, stateDir: join(config.dataDir, 'sandbox') });
        if (config.sandbox === 'off') return runner;
        const check = await runner.check();
        const logger = new Logger('Sandbox');
        if (check.available) logger.log(`bubblewrap ${check.version} ready (privilege drop: ${check.dropsPrivileges})`);
        else if (config.sandbox === 'required') throw new SandboxUnavailableError(check.reason ?? 'unknown reason');
        else logger.warn(`running commands WITHOUT a sandbox: ${check.reason}`);
        return runner;
      },
    },
  ],
  exports: [SandboxRunner, SandboxPolicy],
})
export class SandboxModule {}
