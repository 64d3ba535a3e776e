import type { AuthContext } from '../../core/auth/auth-context';
import type { Config } from './config.schema';

// A school's config names agents and models in `role_access`; whether those exist is known to the agent and
// provider modules above config. The school module's policy validator answers through this port.

export const SCHOOL_POLICY_CHECK = Symbol('SCHOOL_POLICY_CHECK');

export interface SchoolPolicyCheck {
  /**
   * Throws a 400 naming every agent, model or tool of `layer.role_access` (one role's list at a time) that the
   * school would not have once `layer` is its config; resolves when there is nothing unknown.
   */
  checkRoleAccess(auth: AuthContext, layer: Config): Promise<void>;
}
