import { newId } from '../../../core/ids';
import { computeStepCost, type StepCost } from '../../provider/cost';
import type { ModelInfo } from '../../provider/provider.service';
import type { Usage } from '../../provider/provider.types';
import type { AssistantMessageInfo, PartInfo } from '../session.types';

export type StepFinishPart = Extract<PartInfo, { type: 'step-finish' }>;

/**
 * The model's finish as a step-finish part (stored once, with the final message, when the tree after the step is
 * known: after the step's tools, as OpenCode) and the step's exact cost; the answer's totals take the step's.
 */
export function stepFinish(
  assistant: AssistantMessageInfo,
  model: Pick<ModelInfo, 'cost'>,
  reason: string,
  usage: Usage,
): { part: StepFinishPart; step: StepCost } {
  const step = computeStepCost(usage, model.cost);
  const { total, input, output, reasoning, cache } = step.tokens;
  const tokens = { total, input, output, reasoning, cache };
  const part = {
    id: newId('part'),
    sessionID: assistant.sessionID,
    messageID: assistant.id,
    type: 'step-finish',
    reason,
    cost: step.costNumber,
    tokens,
  } as StepFinishPart;
  assistant.cost = Number((assistant.cost + step.costNumber).toPrecision(15));
  assistant.tokens = tokens;
  return { part, step };
}
