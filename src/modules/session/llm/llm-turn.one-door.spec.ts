import { callers } from '../one-door.fixture';
import { LLM_PURPOSES } from './llm-meter.port';

// One door per decision (STYLE rule 21): every LLM call goes through LlmTurn, which meters it and records its usage
// with its purpose, and every transcript event is published by the one writer after the row is stored. This spec
// fails when a second path appears; test/e2e/school/budget-metering.e2e-spec.ts proves each purpose is recorded.

describe('one door: every LLM call goes through LlmTurn', () => {
  it('only LlmCall streams a language model (the provider module only wraps and adapts it)', () => {
    expect(callers(/\b(language|model)\.stream\(/, /^modules\/provider\//)).toEqual([
      'modules/session/llm/llm-turn.ts',
    ]);
  });

  it('the callers of LlmTurn are the loop (steps, subagents), titles and compaction (summaries)', () => {
    expect(callers(/\bllm\.call\(/)).toEqual([
      'modules/session/compaction/compaction.processor.ts',
      'modules/session/prompt/session-loop.service.ts',
      'modules/session/title/title.processor.ts',
    ]);
  });

  it('every purpose a call can have is one the meter records', () => {
    expect([...LLM_PURPOSES].sort()).toEqual(['compaction', 'step', 'subagent', 'summary', 'title']);
  });
});

describe('one door: SessionWriter stores, then publishes', () => {
  it('only the writer publishes message and part events', () => {
    expect(callers(/EventType\.(MessageUpdated|MessageRemoved|PartUpdated|PartRemoved|PartDelta)\b/)).toEqual([
      // Joins the deltas the writer publishes within one turn of the event loop into one event; it makes none.
      'modules/event/event.bus.ts',
      'modules/session/session-writer.ts',
      // Reads the stream of part events to know which projects changed; it publishes none.
      'modules/snapshot/snapshot.service.ts',
    ]);
  });

  it('only the writer and its repository delete messages and parts', () => {
    expect(callers(/\.(deleteMessage|deletePart)\(/, /\.repository\.ts$/)).toEqual([
      'modules/session/session-writer.ts',
    ]);
  });
});
