import { ForbiddenError } from '../../core/errors/domain-error';

export class AgentNotAllowedError extends ForbiddenError {
  constructor(agent: string, source: string) {
    super(`Agent "${agent}" is not allowed here (${source} allow-list)`, 'agent_not_allowed', { agent, source });
  }
}

export class ModelNotAllowedError extends ForbiddenError {
  constructor(model: { providerID: string; modelID: string }, source: string) {
    super(
      `Model ${model.providerID}/${model.modelID} is not allowed here (${source} allow-list)`,
      'model_not_allowed',
      { providerID: model.providerID, modelID: model.modelID, source },
    );
  }
}

/** The user's policy keeps them on its default agent (`allow_change: false`); the message names the one to use. */
export class AgentLockedError extends ForbiddenError {
  constructor(agent: string, expected: string, source: string) {
    super(
      `Agent "${agent}" cannot be chosen here: use "${expected}" (${source} policy: allow_change is off)`,
      'agent_locked',
      { agent, expected, source },
    );
  }
}

export class ModelLockedError extends ForbiddenError {
  constructor(model: { providerID: string; modelID: string }, expected: string, source: string) {
    super(
      `Model ${model.providerID}/${model.modelID} cannot be chosen here: use ${expected} (${source} policy: allow_change is off)`,
      'model_locked',
      { providerID: model.providerID, modelID: model.modelID, expected, source },
    );
  }
}
