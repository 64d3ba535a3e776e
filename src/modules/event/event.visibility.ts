import type { AuthContext } from '../../core/auth/auth-context';
import type { EventEnvelope } from './event.types';

export interface StreamScope {
  /** Only this session's events (`?sessionID=`). */
  sessionId?: string;
  /** Only this project's events (`?directory=` on `/event`). */
  projectId?: string;
  /** Session owners a teacher may watch (their classes' students); resolved at subscribe time. */
  watchedUserIds?: ReadonlySet<string>;
}

/**
 * What a caller may see: their tenant only; admins everything in it; teachers their own sessions and their
 * students'; students their own. A project's events carry its owner
 * and follow the same rule (an ownerless project's reach admins only); server events go to the whole tenant.
 */
export function eventFilter(auth: AuthContext, scope: StreamScope = {}): (e: EventEnvelope) => boolean {
  return (e) => {
    if (e.tenantId !== auth.tenantId || e.event.type.startsWith('internal.')) return false;
    if (scope.sessionId && e.sessionId !== scope.sessionId) return false;
    if (scope.projectId && e.projectId && e.projectId !== scope.projectId) return false;
    if (auth.role === 'admin' || (!e.ownerId && !e.projectId) || e.ownerId === auth.userId) return true;
    if (!e.ownerId) return false;
    return auth.role === 'teacher' && !!scope.watchedUserIds?.has(e.ownerId);
  };
}
