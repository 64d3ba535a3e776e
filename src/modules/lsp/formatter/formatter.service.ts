import { Injectable, Logger } from '@nestjs/common';
import { extname, join } from 'node:path';
import type { AuthContext } from '../../../core/auth/auth-context';
import { ConfigService } from '../../config/config.service';
import { SandboxPolicy } from '../../sandbox/sandbox-policy.service';
import { SandboxRunner } from '../../sandbox/sandbox-runner.service';
import { workspaceOf } from '../../workspace/workspace';
import { packageDir, SANDBOX_NODE } from '../lsp-servers';
import type { FormatterStatus, LspScope } from '../lsp.types';
import { PRETTIER_EXTENSIONS, shellQuote, usesPrettier } from './formatter-detect';

interface FormatterConfig {
  disabled?: boolean;
  command?: string[];
  environment?: Record<string, string>;
  extensions?: string[];
}

interface Formatter {
  name: string;
  extensions: string[];
  enabled: boolean;
  command(file: string): string;
  environment: Record<string, string>;
  readOnly: string[];
}

const FORMAT_TIMEOUT_MS = 30_000;

/**
 * Formatters run after edit, write and apply_patch, as OpenCode does, inside the project's sandbox: prettier
 * (our pinned package, the project's own configuration files) when the project uses it, and any formatter the
 * config defines (`formatter.<name>.command` with `$FILE`). `formatter: false` turns them all off.
 */
@Injectable()
export class FormatterService {
  private readonly logger = new Logger('Formatter');

  constructor(
    private readonly config: ConfigService,
    private readonly runner: SandboxRunner,
    private readonly policy: SandboxPolicy,
  ) {}

  /** GET /formatter. */
  async status(auth: AuthContext, scope: LspScope): Promise<FormatterStatus[]> {
    return (await this.formatters(auth, scope)).map(({ name, extensions, enabled }) => ({ name, extensions, enabled }));
  }

  /**
   * Formats each file with the first enabled formatter for its extension. Returns a note per file that could
   * not be formatted (the edit stands either way); the sandbox's refusal is thrown like every command path's.
   */
  async format(auth: AuthContext, scope: LspScope, files: string[]): Promise<string[]> {
    const formatters = (await this.formatters(auth, scope)).filter((f) => f.enabled);
    if (formatters.length === 0) return [];
    const tenant = await this.policy.forTenant(scope.tenantId, 'formatter', scope.userId);
    const notes: string[] = [];
    for (const file of files) {
      const formatter = formatters.find((f) => f.extensions.includes(extname(file).toLowerCase()));
      if (!formatter) continue;
      const result = await this.runner.run({
        command: formatter.command(file),
        cwd: scope.root,
        workspaceRoot: scope.root,
        env: formatter.environment,
        timeoutMs: FORMAT_TIMEOUT_MS,
        network: false,
        identity: tenant.identity,
        origin: tenant.origin,
        readOnly: formatter.readOnly,
      });
      if (result.exitCode !== 0) {
        const why = result.timedOut
          ? 'timed out'
          : result.output.trim().split('\n').slice(0, 3).join(' ').slice(0, 300);
        this.logger.debug(`${formatter.name} failed on ${file}: ${why}`);
        notes.push(`${formatter.name} could not format ${file}: ${why}`);
      }
    }
    return notes;
  }

  private async formatters(auth: AuthContext, scope: LspScope): Promise<Formatter[]> {
    const setting = (await this.config.effective(auth, scope.projectId)).formatter as
      boolean | Record<string, FormatterConfig> | undefined;
    if (setting === false) return [];
    const own = setting && typeof setting === 'object' ? setting : {};
    const ws = await workspaceOf({ root: scope.root, tenantId: scope.tenantId, projectId: scope.projectId });
    const prettierDir = packageDir('prettier');
    const prettierWanted = own.prettier?.disabled !== true && (await usesPrettier(ws));
    const list: Formatter[] = [
      {
        name: 'prettier',
        extensions: own.prettier?.extensions ?? PRETTIER_EXTENSIONS,
        enabled: prettierWanted,
        // The file is absolute inside the workspace: prettier finds the project's configuration from it.
        command: (file) =>
          own.prettier?.command
            ? custom(own.prettier.command, file)
            : `${shellQuote(SANDBOX_NODE)} ${shellQuote(join(prettierDir, 'bin', 'prettier.cjs'))} --write ${shellQuote(file)}`,
        environment: own.prettier?.environment ?? {},
        readOnly: [prettierDir],
      },
    ];
    for (const [name, entry] of Object.entries(own)) {
      if (name === 'prettier' || !entry?.command?.length) continue;
      list.push({
        name,
        extensions: (entry.extensions ?? []).map((e) => e.toLowerCase()),
        enabled: entry.disabled !== true,
        command: (file) => custom(entry.command!, file),
        environment: entry.environment ?? {},
        readOnly: [],
      });
    }
    return list;
  }
}

/** A configured command: `$FILE` replaced in each argument, every argument quoted for the sandbox's shell. */
function custom(argv: string[], file: string): string {
  return argv.map((arg) => shellQuote(arg.replaceAll('$FILE', file))).join(' ');
}
