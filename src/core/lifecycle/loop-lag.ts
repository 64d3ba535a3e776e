/**
 * How far behind this process's event loop is, read cheaply on every request: a probe timer due every `sampleMs`
 * notes how late it fired, and the reading is a moving average of those delays (each probe weighs `weight`). A
 * loop that stays behind reads as behind within a few probes; one long stall alone (a large module loaded on
 * first use, a collector pause) moves it by a fraction, so it does not refuse work a process is keeping up with.
 */
export class LoopLag {
  private timer?: NodeJS.Timeout;
  private due = 0;
  private average = 0;
  private last = 0;

  constructor(
    private readonly sampleMs = 100,
    private readonly weight = 0.2,
  ) {}

  start(): void {
    if (this.timer) return;
    this.arm();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.average = this.last = 0;
  }

  /** The loop's delay in milliseconds, averaged (0 when the monitor is not running). */
  get ms(): number {
    return this.average;
  }

  /** The last probe's delay in milliseconds. */
  get lastMs(): number {
    return this.last;
  }

  private arm(): void {
    this.due = performance.now() + this.sampleMs;
    this.timer = setTimeout(() => this.sample(), this.sampleMs);
    // A probe must not keep the process alive on its own.
    this.timer.unref();
  }

  private sample(): void {
    // Timers fire a millisecond or so late on an idle loop too; that is not lag.
    this.last = Math.max(0, performance.now() - this.due);
    this.average += this.weight * (this.last - this.average);
    this.arm();
  }
}
