import { Injectable, Logger } from '@nestjs/common';
import type { Diagnostic } from 'vscode-languageserver-protocol';
import type { AuthContext } from '../../core/auth/auth-context';
import type { WorkspaceHandle } from '../workspace/workspace-handle';
import { FormatterService } from './formatter/formatter.service';
import { diagnosticsReport } from './lsp-diagnostics';
import { LspService } from './lsp.service';
import type { FormatterStatus, LspStatus } from './lsp.types';

export interface AfterEdit {
  /** Appended to the tool's output: the diagnostics report, and why a file could not be formatted. */
  output: string;
  /** For the tool part's `metadata.diagnostics`: file → the servers' diagnostics. */
  diagnostics: Record<string, Diagnostic[]>;
}

/**
 * What follows a file tool's change, in OpenCode's order: the formatter, then the language servers' check, whose
 * errors are appended to the tool's output. Neither can undo the edit: a failure becomes a note or is logged.
 */
@Injectable()
export class CodeIntelService {
  private readonly logger = new Logger('CodeIntel');

  constructor(
    private readonly lsp: LspService,
    private readonly formatter: FormatterService,
  ) {}

  async afterEdit(
    auth: AuthContext,
    workspace: WorkspaceHandle,
    files: string[],
    includeOthers: boolean,
  ): Promise<AfterEdit> {
    if (files.length === 0) return { output: '', diagnostics: {} };
    const scope = await this.lsp.scopeFor(auth, workspace);
    const notes = await this.formatter.format(auth, scope, files).catch((error: Error) => {
      this.logger.warn(`formatting skipped: ${error.message}`);
      return [`The file was not formatted: ${error.message}`];
    });
    const diagnostics = await this.lsp.touch(auth, scope, files, includeOthers).catch((error: Error) => {
      this.logger.warn(`no diagnostics: ${error.message}`);
      return {} as Record<string, Diagnostic[]>;
    });
    const report = diagnosticsReport(diagnostics, files, includeOthers, workspace.root);
    const noteText = notes.length ? `\n\n${notes.join('\n')}` : '';
    return { output: report + noteText, diagnostics };
  }

  lspStatus(auth: AuthContext, directory?: string): Promise<LspStatus[]> {
    return this.lsp.status(auth, directory);
  }

  async formatterStatus(auth: AuthContext, directory?: string): Promise<FormatterStatus[]> {
    return this.formatter.status(auth, await this.lsp.scopeOf(auth, directory));
  }
}
