/**
 * A module loaded on first use instead of at boot: the provider SDKs, the MCP SDK and the HTML converter are tens
 * of megabytes each, and a process may never call them. `load` is a `require` of the module; the value is cached.
 */
export function lazyModule<T>(load: () => T): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= load());
}
