export interface EnvironmentInfo {
  modelId: string;
  /** When given, the model is named `provider/model`, the form users and config use. */
  providerId?: string;
  cwd: string;
  worktree: string;
  isGit: boolean;
  platform: string;
  /** The moment to report; a string is used verbatim. */
  date: Date | string;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

// UTC, so the same instant renders the same on every replica whatever its local time zone.
function formatDate(date: Date | string): string {
  if (typeof date === 'string') return date;
  return `${WEEKDAYS[date.getUTCDay()]}, ${date.toISOString().slice(0, 10)}`;
}

/** The `<env>` section of the system prompt: facts the model cannot discover with its tools. */
export function environmentBlock(info: EnvironmentInfo): string {
  const model = info.providerId ? `${info.providerId}/${info.modelId}` : info.modelId;
  return [
    `You are running as the model ${model}.`,
    'Facts about the environment you are working in:',
    '<env>',
    `  Working directory: ${info.cwd}`,
    `  Project root: ${info.worktree}`,
    `  Git repository: ${info.isGit ? 'yes' : 'no'}`,
    `  Platform: ${info.platform}`,
    `  Today's date: ${formatDate(info.date)}`,
    '</env>',
  ].join('\n');
}
