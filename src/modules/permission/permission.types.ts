/** One permission question a tool (or the loop) asks before acting; evaluated against the ruleset, then asked. */
export interface PermissionAsk {
  /** Permission key: tool name, `edit`, `bash`, `external_directory`, `webfetch`, ... */
  permission: string;
  /** What is being asked for (bash sub-commands, relative paths, URLs, ...). */
  patterns: string[];
  /** Patterns an "always" reply approves from now on (e.g. `git commit *`). */
  always: string[];
  metadata: Record<string, unknown>;
}
