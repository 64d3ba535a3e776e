import path from 'node:path';
import pino from 'pino';
import type { AppConfig } from '../../core/config/app-config';
import { EventBus } from '../event/event.bus';
import { MemoryEventTransport } from '../event/event.transport.memory';
import type { MessageWithParts } from '../session/session.types';
import { diffOf, snapshotRange, totals } from '../session/summary/summary.diff';
import { SnapshotService } from './snapshot.service';
import { createSandbox, type Sandbox } from './testing/workspace.fixture';

describe('SnapshotService', () => {
  let box: Sandbox;
  let service: SnapshotService;
  const target = () => ({ tenantId: 'ten_a', projectId: 'prj_a', directory: box.workspace });

  beforeEach(() => {
    box = createSandbox();
    const logger = pino({ level: 'silent' });
    service = new SnapshotService(
      { snapshotRoot: box.snapshotRoot } as AppConfig,
      logger,
      new EventBus(new MemoryEventTransport(100), logger, { deltaBatchMs: 0 }),
    );
  });
  afterEach(() => box.cleanup());

  it('tracks a step and names the files it changed', async () => {
    box.write('a.txt', 'one\n');
    const step = service.forStep(target(), true)!;
    const before = await step.track();
    // As a writing tool does before it runs: the next calls look at the disk again.
    step.markChanged();
    box.write('a.txt', 'two\n');
    box.write('dir/b.txt', 'new\n');
    expect(await step.patch(before!)).toEqual({
      hash: before,
      files: [path.join(box.workspace, 'a.txt'), path.join(box.workspace, 'dir/b.txt')],
    });
    const since = await step.trackSince(before!);
    expect(since!.patch.files).toEqual([path.join(box.workspace, 'a.txt'), path.join(box.workspace, 'dir/b.txt')]);
    const after = await step.track();
    expect(after).not.toBe(before);
    expect(since!.tree).toBe(after);
    expect((await step.trackSince(after!))!.patch.files).toEqual([]);
  });

  it('reuses the last tree while no writing tool ran, and looks again after one did', async () => {
    box.write('a.txt', 'one\n');
    const step = service.forStep(target(), true)!;
    const first = await step.track();
    box.write('a.txt', 'changed behind its back\n');
    expect(await step.track()).toBe(first);
    step.markChanged();
    expect(await step.track()).not.toBe(first);
    // The same engine (and repo) serves every call for the project.
    expect(service.engine(target())).toBe(service.engine(target()));
  });

  it('steps that start together share one staging of the workspace; a change after it started stages again', async () => {
    box.write('a.txt', 'one\n');
    const engine = service.engine(target());
    const track = jest.spyOn(engine, 'track');
    const step = service.forStep(target(), true)!;
    const trees = await Promise.all(Array.from({ length: 5 }, () => step.track()));
    expect(new Set(trees).size).toBe(1);
    expect(track).toHaveBeenCalledTimes(1);

    step.markChanged();
    const first = step.track();
    // A writing tool ran after that staging started: its tree may miss the change, so this call stages again.
    step.markChanged();
    box.write('a.txt', 'two\n');
    await Promise.all([first, step.track()]);
    expect(track).toHaveBeenCalledTimes(3);
  });

  it('is off when the project disables snapshots', () => {
    expect(service.forStep(target(), false)).toBeUndefined();
  });

  it('never throws: a git failure gives no snapshot', async () => {
    const step = service.forStep({ ...target(), projectId: '../escape' }, true)!;
    await expect(step.track()).resolves.toBeUndefined();
    await expect(step.patch('0'.repeat(40))).resolves.toBeUndefined();
    await expect(step.trackSince('0'.repeat(40))).resolves.toBeUndefined();
  });

  it('diffs from the first step-start to the last step-finish tree', async () => {
    const engine = service.engine(target());
    box.write('a.txt', 'one\n');
    const t0 = await engine.track();
    box.write('a.txt', 'one\ntwo\n');
    const t1 = await engine.track();
    box.write('c.txt', 'c\n');
    const t2 = await engine.track();
    const part = (type: string, snapshot?: string) => ({
      id: `p${Math.random()}`,
      sessionID: 's',
      messageID: 'm',
      type,
      ...(snapshot ? { snapshot } : {}),
    });
    const messages = [
      { info: { id: 'm1' }, parts: [part('step-start', t0), part('step-finish', t1)] },
      { info: { id: 'm2' }, parts: [part('step-start', t1), part('step-finish', t2), part('step-start')] },
    ] as unknown as MessageWithParts[];
    expect(snapshotRange(messages)).toEqual({ from: t0, to: t2 });
    const diff = await diffOf(engine, messages);
    expect(diff.map((d) => [d.file, d.status, d.additions, d.deletions])).toEqual([
      ['a.txt', 'modified', 1, 0],
      ['c.txt', 'added', 1, 0],
    ]);
    expect(totals(diff)).toEqual({ additions: 2, deletions: 0, files: 2 });
    expect(
      await diffOf(
        engine,
        [messages[0]].map((m) => ({ ...m, parts: m.parts.slice(0, 1) })),
      ),
    ).toEqual([]);
  });
});
