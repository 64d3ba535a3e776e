import WebSocket from 'ws';
import { waitUntil } from '../../utils/wait-until';

/**
 * A terminal client as OpenCode's web app is one: a real WebSocket to `/pty/{id}/connect?ticket=`, text frames
 * for output, a binary `0x00{"cursor":N}` frame after the replay, keystrokes sent as text.
 */
export class TerminalClient {
  text = '';
  cursors: number[] = [];
  closed?: { code: number; reason: string };

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary && data[0] === 0) this.cursors.push(JSON.parse(data.subarray(1).toString()).cursor);
      else this.text += data.toString('utf8');
    });
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  /** Opens the socket; rejects with the HTTP status of a refused upgrade (e.g. `Unexpected server response: 403`). */
  static connect(baseUrl: string, ptyId: string, query: Record<string, string>): Promise<TerminalClient> {
    const url = new URL(`/pty/${ptyId}/connect`, baseUrl.replace(/^http/, 'ws'));
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const ws = new WebSocket(url);
    const client = new TerminalClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
    });
  }

  type(keys: string): void {
    this.ws.send(keys);
  }

  /** The output so far once it matches. */
  async expect(pattern: RegExp): Promise<string> {
    return waitUntil(
      `terminal output matching ${pattern}`,
      () => this.text,
      (text) => pattern.test(text),
    );
  }

  async cursor(): Promise<number> {
    await waitUntil('the cursor frame', () => this.cursors.length > 0);
    return this.cursors[this.cursors.length - 1];
  }

  async waitClosed(): Promise<{ code: number; reason: string }> {
    return waitUntil(
      'the socket to close',
      () => this.closed,
      (closed) => closed !== undefined,
    ) as Promise<{
      code: number;
      reason: string;
    }>;
  }

  close(): void {
    this.ws.close();
  }
}
