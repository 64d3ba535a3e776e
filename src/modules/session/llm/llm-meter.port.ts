// The port through which every LLM call is metered. Declared here, by the consumer (LlmTurn); the school
// module provides it (budgets and usage records live there), so session never imports school.

export const LLM_PURPOSES = ['step', 'title', 'summary', 'compaction', 'subagent'] as const;
/** Why a call was made; recorded on its usage row. */
export type LlmPurpose = (typeof LLM_PURPOSES)[number];

export const LLM_METER = Symbol('LLM_METER');

/** Who pays for a call and what it is. */
export interface LlmCharge {
  tenantId: string;
  /** The session owner: the one whose budgets apply (null for sessions without an owner). */
  userId: string | null;
  sessionId: string;
  messageId?: string;
  providerId: string;
  modelId: string;
  purpose: LlmPurpose;
}

/** The most a call can use, reserved before it is made. */
export interface WorstCase {
  tokens: number;
  /** Exact decimal dollars. */
  cost: string;
}

/** A call's real usage, recorded once when it ends. */
export interface MeteredUsage {
  /** Exact decimal dollars. */
  cost: string;
  input: number;
  output: number;
  reasoning: number;
  cacheRead: number;
  cacheWrite: number;
  /** The part that shows this usage (step-finish), if any. */
  partId?: string;
  /** The stream ended without the provider's usage (abort, broken stream): the counts are an estimate. */
  estimated?: boolean;
}

/** Opaque to the caller: what the meter needs to settle. */
export interface LlmReservation {
  readonly charge: LlmCharge;
  readonly worst: WorstCase;
}

export interface LlmMeter {
  /**
   * Atomically reserves `worst` against every budget in force for the charge (all processes see the same
   * counters). Throws a TooManyRequestsError, with `resetsAt`, when any budget cannot take it.
   */
  reserve(charge: LlmCharge, worst: WorstCase): Promise<LlmReservation>;
  /** Records the real usage (with its purpose) and settles the reservation to it; no usage releases it. */
  settle(reservation: LlmReservation, usage: MeteredUsage | undefined): Promise<void>;
}
