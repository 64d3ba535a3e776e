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
  if (error && typeof error === 'object' && (error as { code?: unknown }).code === -32001) return new McpTimeoutError(operation, ms);
  return error;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}
