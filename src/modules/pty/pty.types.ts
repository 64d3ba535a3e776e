/** OpenCode's `Pty` (the /pty routes and the pty.* events). */
export interface PtyInfo {
  id: string;
  title: string;
  command: string;
  args: string[];
  cwd: string;
  status: 'running' | 'exited';
  pid: number;
  exitCode?: number;
}

/** OpenCode's `{path, name, acceptable}` of `GET /pty/shells`. */
export interface PtyShell {
  path: string;
  name: string;
  acceptable: boolean;
}

/** `POST /pty/{id}/connect-token`: a single-use ticket for the WebSocket URL, valid `expires_in` seconds. */
export interface PtyConnectToken {
  ticket: string;
  expires_in: number;
}
