import { Logger, Module } from '@nestjs/common';
import { join } from 'node:path';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { MetricsService } from '../../infra/metrics/metrics.service';
import { MeteredSandboxRunner } from './sandbox-metrics';
import { SandboxPolicy } from './sandbox-policy.service';
import { SandboxRunner } from './sandbox-runner.service';
import { SandboxRepository } from './sandbox.repository';
import { SANDBOX_AUDIT, type SandboxAudit } from './sandbox-audit.port';
import type { SandboxStatus } from './sandbox.types';

/**
 * One SandboxRunner per process, mode from config (`SANDBOX=required|optional|off`, default required). The
 * server boots without bubblewrap and serves everything else; every command path then meets the runner's typed
 * refusal. The boot log says which of the four states this process is in, once.
 */
@Module({
  providers: [
    SandboxRepository,
    SandboxPolicy,
    {
      provide: SandboxRunner,
      inject: [APP_CONFIG, SANDBOX_AUDIT, MetricsService],
      useFactory: async (config: AppConfig, audit: SandboxAudit, metrics: MetricsService) => {
        const runner = new MeteredSandboxRunner(
          {
            mode: config.sandbox,
            bwrapPath: config.sandboxBwrap,
            stateDir: join(config.dataDir, 'sandbox'),
            cgroupBase: config.sandboxCgroup,
          },
          audit,
        ).withMetrics(metrics);
        logStatus(new Logger('Sandbox'), await runner.status());
        return runner;
      },
    },
  ],
  exports: [SandboxRunner, SandboxPolicy],
})
export class SandboxModule {}

function logStatus(logger: Logger, status: SandboxStatus): void {
  switch (status.state) {
    case 'sandboxed':
      logger.log(
        `commands run in bubblewrap ${status.version} (${status.bwrap}); bashNetwork gives ` +
          (status.network === 'filtered'
            ? 'a filtered network (slirp4netns + nftables)'
            : `no network (${status.networkReason})`) +
          (status.limits.kind === 'cgroup2'
            ? `; each run gets its own cgroup under ${status.limits.cgroup} (memory.max, pids.max, cpu.max)`
            : `; runs are capped by rlimits only (${status.limits.reason})`),
      );
      return;
    case 'unavailable':
      logger.warn(`shell tools wait for bubblewrap: every command is refused (${status.reason}). ${status.fix}`);
      return;
    case 'unsandboxed':
      logger.warn(
        `SANDBOX=optional without bubblewrap: commands run UNSANDBOXED on the host, each one audited (${status.reason})`,
      );
      return;
    case 'off':
      logger.warn(
        'SANDBOX=off: commands run on the host as the server user (one trusted user on their own machine only)',
      );
  }
}
