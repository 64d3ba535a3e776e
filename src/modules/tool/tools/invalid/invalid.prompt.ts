export const INVALID_DESCRIPTION =
  'Internal: reports a tool call that could not be understood. Never call this tool yourself.';
