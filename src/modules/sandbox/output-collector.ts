import { createWriteStream, type WriteStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

export interface OutputCollectorOptions {
  /** Bytes kept in memory: a quarter as head, the rest as a rolling tail. */
  memoryBytes: number;
  /** Cap of the spill file; 0 disables spilling. */
  spillBytes: number;
  /** Path of the spill file, only created once the output overflows memory. */
  spillPath: string;
}

/**
 * Collects a stream of output without ever holding more than `memoryBytes` of it: the first part and the
 * latest part stay in memory, everything (up to `spillBytes`) goes to a file once memory overflows.
 */
export class OutputCollector {
  private readonly headLimit: number;
  private readonly tailLimit: number;
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;
  private spill: WriteStream | null = null;
  private spilled = 0;
  private spillError: Error | null = null;

  constructor(private readonly options: OutputCollectorOptions) {
    this.headLimit = Math.floor(options.memoryBytes / 4);
    this.tailLimit = options.memoryBytes - this.headLimit;
  }

  get totalBytes(): number {
    return this.total;
  }

  get truncated(): boolean {
    return this.total > this.options.memoryBytes;
  }

  push(chunk: Buffer): void {
    const wasTruncated = this.truncated;
    this.total += chunk.length;
    if (!wasTruncated && this.truncated) this.startSpill();
    this.writeSpill(chunk);
    let rest = chunk;
    if (this.headBytes < this.headLimit) {
      const take = rest.subarray(0, this.headLimit - this.headBytes);
      this.head.push(take);
      this.headBytes += take.length;
      rest = rest.subarray(take.length);
    }
    if (rest.length === 0) return;
    this.tail.push(rest);
    this.tailBytes += rest.length;
    while (this.tailBytes > this.tailLimit) {
      const first = this.tail[0];
      const excess = this.tailBytes - this.tailLimit;
      if (first.length <= excess) {
        this.tail.shift();
        this.tailBytes -= first.length;
      } else {
        this.tail[0] = first.subarray(excess);
        this.tailBytes -= excess;
      }
    }
  }

  /** The kept text; a marker stands where bytes were dropped. */
  text(): string {
    const head = Buffer.concat(this.head);
    const tail = Buffer.concat(this.tail);
    if (!this.truncated) return decode(Buffer.concat([head, tail]));
    const dropped = this.total - head.length - tail.length;
    return `${decode(head)}\n\n... ${dropped} bytes of output omitted ...\n\n${decode(tail)}`;
  }

  /** Flushes the spill file; resolves to its path when one was written. */
  async close(): Promise<string | undefined> {
    const spill = this.spill;
    if (!spill) return undefined;
    await new Promise<void>((resolve) => spill.end(resolve));
    return this.spillError ? undefined : this.options.spillPath;
  }

  private startSpill(): void {
    if (this.options.spillBytes <= 0) return;
    this.spill = createWriteStream(this.options.spillPath, { mode: 0o600 });
    this.spill.on('error', (error) => {
      this.spillError = error;
    });
    // Until now everything fit in memory, so head + tail are exactly what came before this chunk.
    this.writeSpill(Buffer.concat([...this.head, ...this.tail]));
  }

  private writeSpill(chunk: Buffer): void {
    if (!this.spill || this.spillError) return;
    const room = this.options.spillBytes - this.spilled;
    if (room <= 0) return;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.spilled += part.length;
    this.spill.write(part);
  }
}

function decode(buffer: Buffer): string {
  // A cut can land inside a multi-byte character; the decoder replaces the broken bytes instead of throwing.
  const decoder = new StringDecoder('utf8');
  return decoder.write(buffer) + decoder.end();
}
