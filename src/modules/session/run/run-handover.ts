/**
 * The abort reason of a loop this process no longer runs: its lease went to another process (it expired while this
 * one stalled) or this process is stopping and hands its loops over. Such a loop stops without writing anything:
 * the process that takes it over owns the transcript from then on. A user's abort is a plain abort, never this.
 */
export class RunHandedOver extends Error {
  constructor() {
    super('This loop was handed over to another process');
    this.name = 'RunHandedOver';
  }
}

/** True once the loop behind `signal` belongs to another process: it must not write to the session any more. */
export function handedOver(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof RunHandedOver;
}
