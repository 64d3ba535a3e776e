/** Accumulates streamed output (last `maxChars` kept) and reports it at most every `intervalMs`. */
export class LiveOutput {
  private text = '';
  private last = 0;
  private pending?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly maxChars: number,
    private readonly emit: (output: string) => void,
    private readonly intervalMs = 100,
  ) {}

  push(chunk: string): void {
    if (this.stopped) return;
    this.text = (this.text + chunk).slice(-this.maxChars);
    const wait = this.intervalMs - (Date.now() - this.last);
    if (wait <= 0) this.flush();
    else this.pending ??= setTimeout(() => this.flush(), wait);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.pending);
  }

  private flush(): void {
    this.pending = undefined;
    if (this.stopped) return;
    this.last = Date.now();
    this.emit(this.text);
  }
}
