import type { MessageWithParts, PartInfo } from '../session.types';
import { LoopTrees } from './loop-trees';

const step = (start: string | undefined, finish: string | undefined): PartInfo[] =>
  [
    { id: `prt_s${start}`, type: 'step-start', ...(start ? { snapshot: start } : {}) },
    { id: `prt_f${finish}`, type: 'step-finish', reason: 'stop', ...(finish ? { snapshot: finish } : {}) },
  ] as unknown as PartInfo[];

const message = (id: string, role: 'user' | 'assistant', parts: PartInfo[] = []): MessageWithParts =>
  ({ info: { id, role }, parts }) as unknown as MessageWithParts;

// Two earlier turns (the second one ended on tree B), then the turn the loop answers.
const history = (...turn: MessageWithParts[]) => [
  message('msg_1', 'user'),
  message('msg_2', 'assistant', step('A', 'A')),
  message('msg_3', 'user'),
  message('msg_4', 'assistant', step('A', 'B')),
  message('msg_5', 'user'),
  ...turn,
];

describe('LoopTrees: did a loop change the files the session summary diffs?', () => {
  it('no: every step of the turn started and finished on the tree the last earlier step finished on', () => {
    const trees = new LoopTrees();
    trees.start(history(), 'msg_5');
    trees.add(step('B', 'B'));
    trees.add(step('B', 'B'));
    expect(trees.filesChanged).toBe(false);
  });

  it('yes: a step of the loop finished on another tree, or started on one (files changed between turns)', () => {
    const finished = new LoopTrees();
    finished.start(history(), 'msg_5');
    finished.add(step('B', 'C'));
    expect(finished.filesChanged).toBe(true);
    const started = new LoopTrees();
    started.start(history(), 'msg_5');
    started.add(step('C', 'C'));
    expect(started.filesChanged).toBe(true);
  });

  it('yes: a step of the answered turn stored before this loop changed them (a resumed turn, never summarized)', () => {
    const trees = new LoopTrees();
    trees.start(history(message('msg_6', 'assistant', step('B', 'C'))), 'msg_5');
    trees.add(step('C', 'C'));
    expect(trees.filesChanged).toBe(true);
  });

  it('no snapshot taken (snapshots off): unchanged; the first snapshot of a session is a change', () => {
    const off = new LoopTrees();
    off.start(history(), 'msg_5');
    off.add(step(undefined, undefined));
    expect(off.filesChanged).toBe(false);
    const first = new LoopTrees();
    first.start([message('msg_1', 'user')], 'msg_1');
    first.add(step('A', 'A'));
    expect(first.filesChanged).toBe(true);
  });

  it('a loop that never read its turn counts as a change', () => {
    expect(new LoopTrees().filesChanged).toBe(true);
  });
});
