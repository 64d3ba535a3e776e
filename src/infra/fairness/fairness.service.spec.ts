import type { AppConfig } from '../../core/config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { FairnessService } from './fairness.service';

// A prompt request's admission: the intake slot it takes before its own work is the one its intake uses.

const config = {
  fairness: {
    loopsPerTenant: 0,
    loopsMax: 0,
    llmPerTenant: 0,
    llmMax: 0,
    loopsShared: 0,
    llmShared: 0,
    intakesShared: 2,
    busyWindowMs: 60_000,
    priorityMs: 0,
  },
} as unknown as AppConfig;

describe('FairnessService admission', () => {
  it("the intake inside an admitted request takes over its slot; a flood's excess waits at admission", async () => {
    const fairness = new FairnessService(config, new MetricsService());
    // Another school is busy: the flood's intake share is 2 - 1 = 1.
    const quiet = await fairness.acquire('intake', 'quiet');
    const first = await fairness.admit('flood');
    expect(fairness.usage('intake', 'flood')).toMatchObject({ active: 1, limit: 1 });
    let second: Awaited<ReturnType<FairnessService['admit']>> | undefined;
    const waiting = fairness.admit('flood').then((a) => (second = a));
    await Promise.resolve();
    expect(fairness.usage('intake', 'flood').waiting).toBe(1);

    // Inside the request the intake gets the admitted slot at once; a second intake there (a subtask's) would queue.
    const release = await first.run(() => fairness.acquire('intake', 'flood'));
    expect(fairness.usage('intake', 'flood').active).toBe(1);
    release();
    await waiting;
    expect(second).toBeDefined();
    expect(fairness.usage('intake', 'flood')).toMatchObject({ active: 1, waiting: 0 });
    // Ended without an intake (a 400, say): the release frees it; a second release changes nothing.
    second!.release();
    first.release();
    expect(fairness.usage('intake', 'flood').active).toBe(0);
    quiet();
  });

  it('an admission of one school is not taken over by an intake of another', async () => {
    const fairness = new FairnessService(config, new MetricsService());
    const admitted = await fairness.admit('a');
    const other = await admitted.run(() => fairness.acquire('intake', 'b'));
    expect(fairness.usage('intake', 'a').active).toBe(1);
    expect(fairness.usage('intake', 'b').active).toBe(1);
    other();
    admitted.release();
  });
});
