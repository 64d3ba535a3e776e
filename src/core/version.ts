// Reported by /global/health and stored on sessions, like OpenCode's version field.
export const VERSION = '0.1.0';
