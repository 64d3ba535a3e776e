import { McpTimeoutError } from './mcp.errors';

/**
 * Rejects after `ms` even when the work never settles (a server that swallows requests, a transport stuck
 * in `start`). The SDK's own request timeout covers most cases; this is the backstop.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, operation: string, onTimeout?: () => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout?.();
      reject(new McpTimeoutError(operation, ms));
    }, ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** The SDK reports its own timeouts as McpError -32001; callers see one error type for both. */
export function normalizeTimeout(error: unknown, operation: string, ms: number): unknown {
  if (error && typeof error === 'object' && (error as { code?: unknown }).code === -32001)
    return new McpTimeoutError(operation, ms);
  return error;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** Errors meaning the connection itself is gone (not a failed or slow request). */
export function isTransportFailure(error: unknown): boolean {
  return (
    error instanceof TypeError ||
    /ECONNREFUSED|ECONNRESET|fetch failed|Not connected|not running|socket hang up/i.test(errorMessage(error))
  );
}

/** HTTP status carried by the SDK's StreamableHTTPError/SseError, directly or as the cause. */
export function httpStatus(error: unknown): number | undefined {
  for (
    let current = error, depth = 0;
    current && typeof current === 'object' && depth < 3;
    current = (current as Error).cause, depth++
  ) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'number' && code >= 100 && code < 600) return code;
  }
  return undefined;
}
