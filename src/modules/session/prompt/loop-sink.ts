import { Inject, Injectable } from '@nestjs/common';
import type { ToolContext } from '../../tool/tool.types';
import { handedOver } from '../run/run-handover';
import { SessionRunService } from '../run/session-run.service';
import { STEP_OBSERVERS, type StepObserver } from '../session-extension.port';
import { SessionWriter } from '../session-writer';
import type { AssistantMessageInfo } from '../session.types';
import type { StepSink } from './step-processor';
import { StepToolContext, type StepRun } from './step-tool-context';

/** One step of the loop, as its writes need it. */
export interface LoopStep {
  run: StepRun;
  assistant: AssistantMessageInfo;
  /** The turn's tool calls so far (doom-loop detection); the step's own are added as they start. */
  recent: { tool: string; input: string }[];
  /** Passed to every tool call's context (`tool_output` limits). */
  extra: Record<string, unknown>;
  signal: AbortSignal;
  /** Set by the step: an observer asked for another step; the step's last write released the run's lease. */
  more: { followUp: boolean; released: boolean };
  /** Whether the step's answer ends the loop, asked when its last write goes out. */
  last: () => boolean;
}

/** Where a loop step's parts, message, deltas, status and usage go: the session's writer, the run, the observers. */
@Injectable()
export class LoopSinks {
  constructor(
    private readonly writer: SessionWriter,
    private readonly runs: SessionRunService,
    private readonly toolContexts: StepToolContext,
    @Inject(STEP_OBSERVERS) private readonly observers: readonly StepObserver[],
  ) {}

  forStep({ run, assistant, recent, extra, signal, more, last }: LoopStep): StepSink {
    const { auth, row } = run;
    // Once the loop was handed over, the process that took it owns the transcript: nothing more is written here.
    const fenced = () => handedOver(signal);
    return {
      savePart: async (part, alsoStore) => {
        if (fenced()) return;
        await this.writer.part(row, part, alsoStore);
        if (part.type === 'tool' && part.state.status === 'running')
          recent.push({ tool: part.tool, input: JSON.stringify(part.state.input) });
      },
      removePart: async (part) => void (fenced() || (await this.writer.removePart(row, part))),
      storeText: async (parts) => void (fenced() || (await this.writer.storeText(row, parts))),
      saveMessage: async (info, parts = [], alsoStore = []) => {
        if (fenced()) return;
        // The loop's last write also releases the run's lease: one round trip less before the turn's answer.
        const lease = last() ? this.runs.releaseWithLastWrite(row.id) : undefined;
        let released = false;
        try {
          released = await this.writer.stepEnd(row, info, parts, alsoStore, lease?.owner);
        } finally {
          lease?.done(released);
        }
        more.released = released;
      },
      announce: (part) => void (fenced() || this.writer.publishPart(row, part)),
      // Not fenced here: a hand-over aborts `signal`, and the step reads its abort before every event it applies
      // (StepProcessor.take), so no delta comes after one; this runs for every token of every stream.
      delta: (part, delta) => this.writer.delta(row, part, delta),
      status: (status) => void (fenced() || this.runs.setStatus(row, status)),
      usage: async (cost, t, partId) => {
        const { providerID, modelID } = assistant;
        for (const observer of this.observers)
          if (await observer.afterStep({ auth, session: row, assistant, partId, providerID, modelID, cost, tokens: t }))
            more.followUp = true;
      },
      recentToolCalls: () => recent,
      toolContext: (part, signal): ToolContext => this.toolContexts.build(run, part, signal, extra),
    };
  }
}
