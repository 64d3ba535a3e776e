import { BadRequestError, DomainError } from '../../core/errors/domain-error';

export enum McpErrorCode {
  ServerNotFound = 'mcp_server_not_found',
  NotConnected = 'mcp_not_connected',
  UnsupportedOAuth = 'mcp_unsupported_oauth',
  AuthenticateUnsupported = 'mcp_authenticate_unsupported',
  OAuthState = 'mcp_oauth_state',
  Timeout = 'mcp_timeout',
}

export class McpServerNotFoundError extends DomainError {
  constructor(name: string) {
    super('McpServerNotFoundError', 404, `MCP server not found: ${name}`, McpErrorCode.ServerNotFound, { name });
  }
}

/** OAuth was asked for a local server or one configured with `oauth: false`. */
export class McpUnsupportedOAuthError extends DomainError {
  constructor(name: string) {
    super('McpUnsupportedOAuthError', 400, `MCP server ${name} does not support OAuth`, McpErrorCode.UnsupportedOAuth, {
      name,
    });
  }
}

/**
 * `/auth/authenticate` opens a browser on the machine running opencode and waits on a local callback port; a
 * hosted multi-tenant server has neither. Same error name as OpenCode's refusal, so clients handle it alike.
 */
export class McpAuthenticateUnsupportedError extends DomainError {
  constructor(name: string) {
    super(
      'McpUnsupportedOAuthError',
      400,
      `MCP server ${name}: the browser OAuth flow cannot run on a hosted server; call POST /mcp/${name}/auth, open authorizationUrl, then POST /mcp/${name}/auth/callback with the code`,
      McpErrorCode.AuthenticateUnsupported,
      { name },
    );
  }
}

export class McpNotConnectedError extends DomainError {
  constructor(name: string, detail: string) {
    super('McpNotConnectedError', 409, `MCP server ${name} is not connected: ${detail}`, McpErrorCode.NotConnected, {
      name,
    });
  }
}

export class McpOAuthStateError extends BadRequestError {
  constructor(name: string) {
    super(`OAuth state mismatch or no pending authorization for MCP server ${name}`, { name }, McpErrorCode.OAuthState);
  }
}

/** Thrown by every deadline the pool enforces (connect, list, call). */
export class McpTimeoutError extends Error {
  constructor(
    readonly operation: string,
    readonly ms: number,
  ) {
    super(`MCP ${operation} timed out after ${ms} ms`);
    this.name = 'McpTimeoutError';
  }
}
