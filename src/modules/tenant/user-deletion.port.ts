import type { AuthContext } from '../../core/auth/auth-context';

/** Port: what happens to a user's data after the account is soft-deleted (bound to the school module's lifecycle policy). */
export interface UserDeletionListener {
  afterUserDeleted(auth: AuthContext, userId: string): Promise<void>;
  /** After a school's rows are gone: its files on disk, its events in the replay window, its queued jobs. */
  afterTenantDeleted(tenantId: string): Promise<void>;
}

export const USER_DELETION_LISTENER = Symbol('USER_DELETION_LISTENER');
