import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * Caps the body of each POST answer (one JSON-RPC response, or the SSE stream carrying it) so a remote
 * server cannot stream an unbounded tool result into memory. The long-lived GET notification stream is
 * left alone: it is expected to run for hours. `onOverflow` lets the owner drop the connection at once.
 */
export function cappedFetch(base: FetchLike, maxBytes: number, onOverflow?: (error: Error) => void): FetchLike {
  return async (url, init) => {
    const response = await base(url, init);
    const method = (init?.method ?? 'GET').toUpperCase();
    if (method !== 'POST' || !response.body || !response.ok || NULL_BODY_STATUSES.has(response.status)) return response;
    let seen = 0;
    const limited = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          seen += chunk.byteLength;
          if (seen <= maxBytes) return controller.enqueue(chunk);
          const error = new Error(`MCP server sent a message over ${maxBytes} bytes`);
          controller.error(error);
          // An SSE-framed answer that errors mid-stream would otherwise leave its request waiting for the timeout.
          onOverflow?.(error);
        },
      }),
    );
    return new Response(limited, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
