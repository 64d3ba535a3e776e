// Tool-level refusals. They become the failed tool call's output, so the wording is written for the
// model: it must understand the refusal is deliberate and that repeating the same call will not help.
import type { Ruleset } from './permission.rules';

export class PermissionDeniedError extends Error {
  constructor(
    readonly permission: string,
    readonly patterns: string[],
    /** The configured rules that matched; shown to the model so it can see what is off limits. */
    readonly rules: Ruleset,
  ) {
    super(
      `This call was blocked by a permission rule set for this workspace (${permission}: ${patterns.join(', ') || '*'}). ` +
        'Do not retry it or work around it with another tool; choose a different approach or tell the user what you need. ' +
        `Matching rules: ${JSON.stringify(rules)}`,
    );
    this.name = 'PermissionDeniedError';
  }
}

export class PermissionRejectedError extends Error {
  constructor(readonly permission?: string) {
    super(
      'The user declined permission for this tool call. Do not repeat it; stop and wait for the user to tell you how to continue.',
    );
    this.name = 'PermissionRejectedError';
  }
}

export class PermissionCorrectedError extends Error {
  constructor(readonly feedback: string) {
    super(
      'The user declined this tool call and left feedback. Do not repeat the same call; follow the feedback and continue.\n' +
        `Feedback: ${feedback}`,
    );
    this.name = 'PermissionCorrectedError';
  }
}

/** Rejections without feedback end the agent loop after the current step; denials and corrections do not. */
export function stopsLoop(error: unknown): boolean {
  return error instanceof PermissionRejectedError;
}
