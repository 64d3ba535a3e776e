/**
 * The output a reconnecting client missed, bounded: the last `limit` characters, addressed by an absolute cursor
 * (characters written since the terminal started, as OpenCode counts them), so a client that kept its cursor
 * gets exactly what came after it, and one that fell further behind gets what is still kept.
 */
export class ReplayBuffer {
  private text = '';
  /** Cursor of the first character still kept. */
  private start = 0;

  constructor(private readonly limit: number) {}

  /** Cursor after the last character written. */
  get end(): number {
    return this.start + this.text.length;
  }

  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length <= this.limit) return;
    let excess = this.text.length - this.limit;
    // Never keep half of a surrogate pair at the front.
    const code = this.text.charCodeAt(excess);
    if (code >= 0xdc00 && code <= 0xdfff) excess++;
    this.text = this.text.slice(excess);
    this.start += excess;
  }

  /** What follows `cursor`: undefined or a bad value replays all that is kept, -1 nothing (tail from now). */
  since(cursor?: number): string {
    if (cursor === -1) return '';
    const from = cursor !== undefined && Number.isSafeInteger(cursor) && cursor > 0 ? cursor : 0;
    if (from >= this.end) return '';
    return this.text.slice(Math.max(0, from - this.start));
  }
}
