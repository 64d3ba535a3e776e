import type { AuthContext } from './auth-context';

/**
 * Port: whom a teacher oversees. Sessions (read access) and the event stream (which events a teacher sees) ask
 * it; the school module's class roster answers. Lives in core because two lower modules consume it.
 */
export interface TeacherScope {
  watchedUserIds(auth: AuthContext): Promise<ReadonlySet<string>>;
  teaches(auth: AuthContext, userId: string | null): Promise<boolean>;
}

export const TEACHER_SCOPE = Symbol('TEACHER_SCOPE');
