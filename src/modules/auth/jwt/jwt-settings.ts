import type { Role } from '../../../core/auth/auth-context';

/** Stored in Tenant.settings.jwt. The HS256 secret is NOT here: tenant settings are readable by every user. */
export interface JwtSettings {
  issuer: string;
  /** Required for sign-in (settings saved without one refuse every token until an admin names it). */
  audience?: string;
  /** Keys of the host platform (RS256/ES256/EdDSA); without it, the tenant's HS256 secret is used. */
  jwksUrl?: string;
  /** Claim names: where the user id, role, class list, display name and email are found. */
  claims: { userId: string; role: string; classes: string; name: string; email: string };
  /** The platform's role values → ours, e.g. {"instructor": "teacher"}. Unmapped values → student. */
  roleMap: Record<string, Role>;
}

export const DEFAULT_CLAIMS: JwtSettings['claims'] = {
  userId: 'sub',
  role: 'role',
  classes: 'classes',
  name: 'name',
  email: 'email',
};

/** A JWT is any bearer value with exactly two dots; API keys never contain one. */
export function looksLikeJwt(token: string): boolean {
  return token.split('.').length === 3;
}
