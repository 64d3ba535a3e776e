import type { ChildProcess } from 'node:child_process';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { settlesWithin } from '../../core/lifecycle/settles-within';
import type { Diagnostic, ProtocolConnection } from 'vscode-languageserver-protocol/node';
import { lazyModule } from '../../core/lazy/lazy-module';
import type { LanguageServerSpec } from './lsp-servers';
import { LspRequestError } from './lsp.errors';

// The protocol library loads with the first language server started, not at boot.
const lsp = lazyModule(
  () => require('vscode-languageserver-protocol/node') as typeof import('vscode-languageserver-protocol/node'),
);

/** What the server sends us about one file, kept until the next publish replaces it. */
export type DiagnosticMap = Map<string, Diagnostic[]>;

export interface LspClientOptions {
  spec: LanguageServerSpec;
  root: string;
  memoryMb: number;
  /** A request that takes longer fails (and is cancelled on the server). */
  requestTimeoutMs: number;
  onDiagnostics?: (file: string) => void;
  onExit?: (reason: string) => void;
}

const STDERR_KEEP = 4096;

/**
 * One language server process (already spawned inside the sandbox) and the JSON-RPC connection over its stdio:
 * the initialize handshake, open documents with their versions, the last diagnostics per file, requests with a
 * timeout. The server's own requests (configuration, progress, registrations) get neutral answers.
 */
export class LspClient {
  private readonly connection: ProtocolConnection;
  private readonly versions = new Map<string, number>();
  readonly diagnostics: DiagnosticMap = new Map();
  private readonly waiters = new Set<{ file: string; wake: () => void }>();
  private stderr = '';
  private exited = false;
  /** Pending requests' ways to fail, called when the process is gone rather than waiting for their timeout. */
  private readonly pending = new Set<(error: Error) => void>();

  constructor(
    readonly process: ChildProcess,
    private readonly options: LspClientOptions,
  ) {
    const { createProtocolConnection, StreamMessageReader, StreamMessageWriter } = lsp();
    this.connection = createProtocolConnection(
      new StreamMessageReader(process.stdout!),
      new StreamMessageWriter(process.stdin!),
    );
    process.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-STDERR_KEEP);
    });
    process.stdin?.on('error', () => undefined);
    process.once('exit', (code, signal) => {
      this.exited = true;
      for (const fail of this.pending) fail(new Error(`the server ${this.lastError() || 'exited'}`));
      for (const w of this.waiters) w.wake();
      options.onExit?.(`exited (${signal ?? `code ${code}`})${this.stderr ? `: ${this.lastError()}` : ''}`);
    });
    this.connection.onNotification(
      'textDocument/publishDiagnostics',
      (params: { uri: string; diagnostics: Diagnostic[] }) => {
        const file = toPath(params.uri);
        if (!file) return;
        this.diagnostics.set(file, params.diagnostics);
        options.onDiagnostics?.(file);
        for (const w of this.waiters) if (w.file === file) w.wake();
      },
    );
    this.connection.onRequest('workspace/configuration', (params: { items?: unknown[] }) =>
      (params.items ?? []).map(() => null),
    );
    this.connection.onRequest('workspace/workspaceFolders', () => [this.folder()]);
    this.connection.onRequest('window/workDoneProgress/create', () => null);
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.onRequest('client/unregisterCapability', () => null);
    this.connection.onError(() => undefined);
    this.connection.listen();
  }

  get alive(): boolean {
    return !this.exited;
  }

  lastError(): string {
    return this.stderr.trim().split('\n').slice(-3).join(' ').slice(0, 500);
  }

  async initialize(): Promise<void> {
    const { spec, root, memoryMb } = this.options;
    await this.request('initialize', {
      processId: null,
      rootUri: pathToFileURL(root).href,
      rootPath: root,
      workspaceFolders: [this.folder()],
      initializationOptions: spec.initializationOptions(memoryMb),
      capabilities: {
        workspace: { configuration: true, workspaceFolders: true, symbol: {}, didChangeWatchedFiles: {} },
        window: { workDoneProgress: true },
        textDocument: {
          synchronization: { didOpen: true, didChange: true },
          publishDiagnostics: { versionSupport: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          definition: { linkSupport: false },
          implementation: { linkSupport: false },
          references: {},
          documentSymbol: { hierarchicalDocumentSymbolSupport: true },
          callHierarchy: {},
        },
      },
    });
    await this.connection.sendNotification('initialized', {});
  }

  /**
   * Opens the file on the server, or sends its new content if it is already open; the server then checks it and
   * publishes fresh diagnostics. The caller reads the content through the workspace (confined, size-capped).
   */
  async touch(file: string, text: string): Promise<void> {
    const uri = pathToFileURL(file).href;
    const version = this.versions.get(file);
    if (version === undefined) {
      this.versions.set(file, 0);
      await this.connection.sendNotification('textDocument/didOpen', {
        textDocument: { uri, languageId: this.options.spec.languageId(file), version: 0, text },
      });
      return;
    }
    this.versions.set(file, version + 1);
    await this.connection.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri, type: 2 }] });
    await this.connection.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: version + 1 },
      contentChanges: [{ text }],
    });
  }

  /**
   * Sends the file's content (touch) and waits for the server's verdict on it: asked of the server where it
   * answers on demand, else its next publish (then a short settle for follow-ups), or what is known at
   * `timeoutMs`. Returns the file's diagnostics.
   */
  async check(file: string, text: string, timeoutMs: number): Promise<Diagnostic[]> {
    const pull = this.options.spec.pull;
    if (!pull) {
      const published = this.waitForDiagnostics(file, timeoutMs);
      await this.touch(file, text);
      await published;
    } else {
      await this.touch(file, text);
      this.diagnostics.set(file, await pull((method, params) => this.request(method, params), file));
      this.options.onDiagnostics?.(file);
    }
    return this.diagnostics.get(file) ?? [];
  }

  /** Files open on the server, most recently opened last. */
  openFiles(): string[] {
    return [...this.versions.keys()];
  }

  /**
   * Asks again for an open file's diagnostics where the server answers on demand (another file's change may
   * have broken it); servers that publish keep the map current themselves.
   */
  async refresh(file: string): Promise<void> {
    const pull = this.options.spec.pull;
    if (!pull || !this.versions.has(file) || this.exited) return;
    this.diagnostics.set(file, await pull((method, params) => this.request(method, params), file));
  }

  /** The file's next publish after now (then a short settle for follow-ups), or what is known at `timeoutMs`. */
  async waitForDiagnostics(file: string, timeoutMs: number, settleMs = 150): Promise<void> {
    if (this.exited) return;
    let wake!: () => void;
    let settle: NodeJS.Timeout | undefined;
    const done = new Promise<void>((resolve) => (wake = resolve));
    const waiter = {
      file,
      wake: () => {
        clearTimeout(settle);
        settle = setTimeout(wake, this.exited ? 0 : settleMs).unref();
      },
    };
    this.waiters.add(waiter);
    const timer = setTimeout(wake, timeoutMs).unref();
    try {
      await done;
    } finally {
      clearTimeout(timer);
      clearTimeout(settle);
      this.waiters.delete(waiter);
    }
  }

  async request<R>(method: string, params: unknown): Promise<R> {
    if (this.exited)
      throw new LspRequestError(this.options.spec.id, method, `the server ${this.lastError() || 'exited'}`);
    let timer: NodeJS.Timeout | undefined;
    let fail!: (error: Error) => void;
    const stopped = new Promise<never>((_, reject) => {
      fail = reject;
      timer = setTimeout(
        () => reject(new Error(`no answer within ${this.options.requestTimeoutMs} ms`)),
        this.options.requestTimeoutMs,
      ).unref();
    });
    this.pending.add(fail);
    try {
      return await Promise.race([this.connection.sendRequest<R>(method, params), stopped]);
    } catch (error) {
      throw new LspRequestError(this.options.spec.id, method, error instanceof Error ? error.message : String(error));
    } finally {
      clearTimeout(timer);
      this.pending.delete(fail);
    }
  }

  /** Polite shutdown, then the whole sandbox: its bwrap leads its own process group. */
  async stop(graceMs = 1000): Promise<void> {
    if (!this.exited) {
      const polite = (async () => {
        await this.connection.sendRequest('shutdown');
        await this.connection.sendNotification('exit');
      })().catch(() => undefined);
      await settlesWithin(polite, graceMs);
    }
    this.connection.dispose();
    killGroup(this.process);
  }

  private folder() {
    return { uri: pathToFileURL(this.options.root).href, name: 'workspace' };
  }
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

export function toPath(uri: string): string | undefined {
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}
