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
