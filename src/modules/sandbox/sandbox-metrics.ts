import type { MetricsService } from '../../infra/metrics/metrics.service';
import { inSpan } from '../../infra/telemetry/tracing';
import { SandboxRunner } from './sandbox-runner.service';
import { SandboxUnavailableError } from './sandbox.errors';
import type { SandboxRunInput, SandboxRunResult } from './sandbox.types';

/** How a command ended, in a fixed vocabulary (a metric label). */
export function runOutcome(r: SandboxRunResult): string {
  if (r.timedOut) return 'timeout';
  if (r.aborted) return 'aborted';
  if (r.outputLimitHit) return 'output_limit';
  return r.exitCode === 0 ? 'ok' : 'exit';
}

/** The runner the module provides: every command counted by school, door, isolation and outcome. */
export class MeteredSandboxRunner extends SandboxRunner {
  private metrics?: MetricsService;

  withMetrics(metrics: MetricsService): this {
    this.metrics = metrics;
    return this;
  }

  override run(input: SandboxRunInput): Promise<SandboxRunResult> {
    const labels = { tenant: input.origin?.tenantId ?? 'none', via: input.origin?.via ?? 'other' };
    const attributes = { 'opencode.tenant': labels.tenant, 'opencode.sandbox.via': labels.via };
    return inSpan('sandbox.run', attributes, async (span) => {
      const result = await this.counted(input, labels);
      span.setAttributes({
        'opencode.sandbox.sandboxed': result.sandboxed,
        'opencode.sandbox.outcome': runOutcome(result),
      });
      return result;
    });
  }

  private async counted(input: SandboxRunInput, labels: { tenant: string; via: string }): Promise<SandboxRunResult> {
    try {
      const result = await super.run(input);
      this.metrics?.sandboxRuns.inc({ ...labels, sandboxed: String(result.sandboxed), outcome: runOutcome(result) });
      return result;
    } catch (err) {
      const refused = err instanceof SandboxUnavailableError;
      this.metrics?.sandboxRuns.inc({ ...labels, sandboxed: String(refused), outcome: refused ? 'refused' : 'error' });
      throw err;
    }
  }
}
