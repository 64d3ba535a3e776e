// Public surface of the provider domain for the integrator and the agent loop.
export * from './provider.types';
export {
  ProviderModelNotFoundError,
  ProviderMisconfiguredError,
  ProviderNotSupportedError,
  ProviderErrorCode,
} from './provider.errors';
export {
  PROVIDER_PRESETS,
  getPreset,
  customPreset,
  providerPresetSchema,
  type ProviderPreset,
  type AdapterKind,
} from './provider.presets';
export {
  createLanguageModel,
  resolveProvider,
  type ResolvedProvider,
  type ResolveProviderInput,
} from './provider.factory';
export {
  ProviderRegistry,
  type ConfigProvidersResponse,
  type ProviderListResponse,
  type RegistryContext,
} from './provider-registry';
export {
  ModelCatalogue,
  type CatalogueContext,
  type ModelCatalogueOptions,
  type ModelRef,
  type ResolvedCatalogue,
} from './models/model-catalogue';
export { providersConfigSchema, type ProvidersConfig } from './models/catalogue-config.schema';
export {
  apiModelSchema,
  apiProviderSchema,
  catalogueSnapshotSchema,
  modelCostSchema,
  type ApiModel,
  type ApiProvider,
  type ModelCost,
} from './models/catalogue.schema';
export { parseModelRef, pickSmallModelId, sortModelIds } from './models/model-ranking';
export { addCosts, computeStepCost, type StepCost, type StepTokens } from './cost';
export {
  isRetryable,
  messageErrorSchema,
  retryDelayMs,
  retryMessage,
  toMessageError,
  type MessageError,
} from './retry';
export {
  dropUnsupportedMedia,
  shapeRequest,
  variantsFor,
  defaultTemperature,
  type ShapeInput,
  type ShapedParams,
} from './request-shaping';
export {
  CredentialCipher,
  CredentialCryptoError,
  generateCredentialKey,
  keyRingSchema,
} from '../../core/crypto/credential-cipher';
export { withStallTimeout } from './adapters/stall-timeout';
export { OpenAiChatLanguageModel } from './adapters/openai-chat.adapter';
export { OpenAiResponsesLanguageModel } from './adapters/openai-responses.adapter';
export { AnthropicLanguageModel } from './adapters/anthropic.adapter';
export { GoogleLanguageModel } from './adapters/google.adapter';
export type { AdapterOptions, FetchLike } from './adapters/adapter.options';
