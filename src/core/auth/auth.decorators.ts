import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { Request } from 'express';
import type { AuthContext, Role } from './auth-context';

export const IS_PUBLIC = 'auth:public';
export const REQUIRED_ROLES = 'auth:roles';
export const PLATFORM_ADMIN = 'auth:platform-admin';
export const QUERY_TOKEN = 'auth:query-token';
export const METRICS_TOKEN = 'auth:metrics-token';

/** Marks public operations in the OpenAPI document (no security requirement, no 401): see bootstrap/swagger.ts. */
export const PUBLIC_EXTENSION = 'x-public';

/** Route answers without credentials (health, docs, public share links). */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension(PUBLIC_EXTENSION, true));
/** Route needs one of these tenant roles. */
export const Roles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);
/** Route needs a platform administrator. */
export const PlatformAdminOnly = () => SetMetadata(PLATFORM_ADMIN, true);
/**
 * An event stream: a browser's EventSource cannot send headers, so `?auth_token=` is accepted here — and only
 * here, since a key in a URL ends up in access logs, proxies and browser history.
 */
export const AcceptsQueryToken = () => SetMetadata(QUERY_TOKEN, true);

/**
 * A scrape route: besides the route's own rule (platform administrators), the operator's METRICS_TOKEN is a
 * bearer that opens it. The token is no user: such a request has no AuthContext.
 */
export const AcceptsMetricsToken = () => SetMetadata(METRICS_TOKEN, true);

// Omit: the MCP SDK augments Express's Request with its own `auth` (AuthInfo); ours is the tenant context.
export type AuthedRequest = Omit<Request, 'auth'> & { auth?: AuthContext; requestId?: string };

/** The caller's AuthContext, set by the global AuthGuard. */
export const Auth = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthContext => {
  const req = ctx.switchToHttp().getRequest<AuthedRequest>();
  if (!req.auth) throw new Error('Auth() used on a public route');
  return req.auth;
});
