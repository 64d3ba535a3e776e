import { currentRequestId } from '../http/request-context';

/** OpenCode's error body: `{name, data: {message, ...}}` (STYLE rule 7). */
export interface ErrorBody {
  name: string;
  data: { message: string; code?: string; requestId?: string; [k: string]: unknown };
}

export function errorBody(name: string, message: string, extra: Record<string, unknown> = {}): ErrorBody {
  const requestId = currentRequestId();
  return { name, data: { message, ...extra, ...(requestId ? { requestId } : {}) } };
}
