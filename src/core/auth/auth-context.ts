export type Role = 'admin' | 'teacher' | 'student';

/** Who is calling. Every service method takes it first (STYLE rule 2). */
export interface AuthContext {
  tenantId: string;
  userId: string;
  role: Role;
  /** Platform administrators manage tenants; they still act inside their own tenant otherwise. */
  platformAdmin: boolean;
  /** Id of the API key used, when the caller authenticated with one. */
  keyId?: string;
  /** Class ids the user belongs to (teachers: classes they teach). */
  classIds?: string[];
  /** When the credential itself ends (epoch ms): a JWT's `exp`, an API key's `expiresAt`. Open streams end then. */
  expiresAt?: number;
}

/** A context for work the system does on its own (boot recovery, workers) inside one tenant. */
export function systemAuth(tenantId: string, userId = 'system'): AuthContext {
  return { tenantId, userId, role: 'admin', platformAdmin: false };
}
