import { ProviderError, type ProviderErrorKind } from './provider.types';

const KIND_TEXT: Record<ProviderErrorKind, string> = {
  auth: 'The model provider refused the credentials',
  rate_limit: 'The model provider is limiting the request rate',
  overloaded: 'The model provider is overloaded',
  context_overflow: "The conversation is too long for the model's context window",
  output_length: 'The answer reached the output limit',
  api: 'The model provider returned an error',
  network: 'The model provider could not be reached',
  aborted: 'The operation was aborted.',
};

/**
 * What a student or teacher reads about a provider failure. A provider's own text is never shown: it can carry the
 * upstream URL, account or organisation ids, key fragments and request ids (the full text goes to the server log,
 * see providerErrorLog). The server's own messages (a missing key, a stall, a refused endpoint) are shown as is.
 */
export function publicProviderMessage(error: ProviderError): string {
  if (error.info.ownMessage) return error.message;
  if (error.kind === 'aborted') return KIND_TEXT.aborted;
  const details = [error.info.statusCode ? `HTTP ${error.info.statusCode}` : undefined, error.info.providerCode].filter(
    Boolean,
  );
  const suffix = details.length ? ` (${details.join(', ')})` : '';
  return `${KIND_TEXT[error.kind]}${suffix}. An administrator can find the provider's full answer in the server log.`;
}
