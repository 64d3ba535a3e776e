import { DomainError } from '../../core/errors/domain-error';

export enum ProviderErrorCode {
  NotSupported = 'provider_not_supported',
  Misconfigured = 'provider_misconfigured',
  UnknownProvider = 'provider_unknown',
  UnknownModel = 'model_unknown',
  EndpointRefused = 'provider_endpoint_refused',
}

/** A provider we list but cannot drive (missing vendor SDK or auth flow). */
export class ProviderNotSupportedError extends DomainError {
  constructor(providerId: string, reason: string) {
    super(
      'ProviderNotSupportedError',
      400,
      `Provider ${providerId} is not supported: ${reason}`,
      ProviderErrorCode.NotSupported,
      { providerID: providerId },
    );
  }
}

export class ProviderMisconfiguredError extends DomainError {
  constructor(providerId: string, message: string) {
    super('ProviderMisconfiguredError', 400, message, ProviderErrorCode.Misconfigured, { providerID: providerId });
  }
}

/** OpenCode answers unknown provider/model with `ProviderModelNotFoundError`. */
export class ProviderModelNotFoundError extends DomainError {
  constructor(providerId: string, modelId?: string, suggestions: string[] = []) {
    super(
      'ProviderModelNotFoundError',
      400,
      modelId ? `Model not found: ${providerId}/${modelId}` : `Provider not found: ${providerId}`,
      modelId ? ProviderErrorCode.UnknownModel : ProviderErrorCode.UnknownProvider,
      {
        providerID: providerId,
        modelID: modelId,
        suggestions,
      },
    );
  }
}

/** A school or teacher pointed a provider somewhere the egress guard refuses, or set what only the platform may. */
export class ProviderEndpointRefusedError extends DomainError {
  constructor(providerId: string, message: string) {
    super('ProviderEndpointRefusedError', 403, message, ProviderErrorCode.EndpointRefused, { providerID: providerId });
  }
}
