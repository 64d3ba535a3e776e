// Errors of a config document: where it is wrong (issues with dotted paths) or why it is not JSON at all.
import { DomainError } from '../../core/errors/domain-error';

export interface ConfigIssue {
  /** Dotted location inside the document, e.g. `agent.tutor.temperature`; empty for the root. */
  path: string;
  message: string;
}

export class ConfigInvalidError extends DomainError {
  constructor(
    readonly source: string,
    readonly issues: ConfigIssue[],
  ) {
    super(
      'ConfigInvalidError',
      400,
      `Invalid configuration in ${source}: ` +
        issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '),
      'config_invalid',
      { path: source, issues },
    );
  }
}

export class ConfigJsonError extends DomainError {
  constructor(source: string, reason: string, line?: number, column?: number) {
    const where = line ? ` (line ${line}, column ${column})` : '';
    super('ConfigJsonError', 400, `Config file ${source} is not valid JSON${where}: ${reason}`, 'config_json', {
      path: source,
      line,
      column,
    });
  }
}
