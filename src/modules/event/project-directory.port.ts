import type { AuthContext } from '../../core/auth/auth-context';

/** Port: the project a request's directory names, so `/event?directory=` streams one project (bound to the project module). */
export interface ProjectDirectory {
  projectIdOf(auth: AuthContext, directory: string): Promise<string>;
}

export const PROJECT_DIRECTORY = Symbol('PROJECT_DIRECTORY');
