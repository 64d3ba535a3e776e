// The MCP SDK loads on first use, not at boot: its modules (zod schemas of the whole protocol, the OAuth client,
// the JSON Schema validator) cost a few hundred milliseconds of start-up, and most processes never talk to an MCP
// server. Types are imported normally (they cost nothing at run time); values come through these.

import { lazyModule } from '../../core/lazy/lazy-module';

export const mcpClientSdk = lazyModule(
  () =>
    require('@modelcontextprotocol/sdk/client/index.js') as typeof import('@modelcontextprotocol/sdk/client/index.js'),
);
export const mcpStreamableSdk = lazyModule(
  () =>
    require('@modelcontextprotocol/sdk/client/streamableHttp.js') as typeof import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
);
export const mcpSseSdk = lazyModule(
  () => require('@modelcontextprotocol/sdk/client/sse.js') as typeof import('@modelcontextprotocol/sdk/client/sse.js'),
);
export const mcpAuthSdk = lazyModule(
  () =>
    require('@modelcontextprotocol/sdk/client/auth.js') as typeof import('@modelcontextprotocol/sdk/client/auth.js'),
);
export const mcpTypesSdk = lazyModule(
  () => require('@modelcontextprotocol/sdk/types.js') as typeof import('@modelcontextprotocol/sdk/types.js'),
);
export const mcpStdioSdk = lazyModule(
  () =>
    require('@modelcontextprotocol/sdk/shared/stdio.js') as typeof import('@modelcontextprotocol/sdk/shared/stdio.js'),
);

/** The SDK's "needs authorization" error (raised by its transports and `auth()`). */
export function isMcpUnauthorized(error: unknown): boolean {
  return error instanceof Error && error instanceof mcpAuthSdk().UnauthorizedError;
}
