import type { StreamEvent } from '../provider.types';

/**
 * Tracks open text/reasoning blocks so adapters emit well-formed start → delta* → end sequences,
 * closing a block when the model switches kind (reasoning → text) or the stream ends. Each method appends its
 * events to `out` and returns it (a read's events go on together; no generator per token).
 */
export class StreamBlocks {
  private open: { kind: 'text' | 'reasoning'; id: string } | undefined;
  private counter = 0;

  constructor(private readonly prefix = 'b') {}

  delta(out: StreamEvent[], kind: 'text' | 'reasoning', delta: string, key?: string): StreamEvent[] {
    if (delta === '') return out;
    const wanted = key ?? undefined;
    if (this.open && (this.open.kind !== kind || (wanted !== undefined && this.open.id !== wanted))) this.close(out);
    if (!this.open) {
      this.open = { kind, id: wanted ?? `${this.prefix}${this.counter++}` };
      out.push({ type: kind === 'text' ? 'text-start' : 'reasoning-start', id: this.open.id });
    }
    out.push(
      kind === 'text'
        ? { type: 'text-delta', id: this.open.id, delta }
        : { type: 'reasoning-delta', id: this.open.id, delta },
    );
    return out;
  }

  /** Open a block without text yet (e.g. Anthropic redacted thinking that only carries metadata). */
  start(out: StreamEvent[], kind: 'text' | 'reasoning', key?: string): StreamEvent[] {
    if (this.open) this.close(out);
    this.open = { kind, id: key ?? `${this.prefix}${this.counter++}` };
    out.push({ type: kind === 'text' ? 'text-start' : 'reasoning-start', id: this.open.id });
    return out;
  }

  get current(): { kind: 'text' | 'reasoning'; id: string } | undefined {
    return this.open;
  }

  close(out: StreamEvent[], providerMetadata?: Record<string, unknown>): StreamEvent[] {
    if (!this.open) return out;
    const { kind, id } = this.open;
    this.open = undefined;
    out.push(
      kind === 'text'
        ? { type: 'text-end', id, ...(providerMetadata ? { providerMetadata } : {}) }
        : { type: 'reasoning-end', id, ...(providerMetadata ? { providerMetadata } : {}) },
    );
    return out;
  }
}

export const emptyUsage = () => ({ input: 0, output: 0, reasoning: 0, cacheRead: 0, cacheWrite: 0 });

export function nonNegative(n: unknown): number {
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

/** Tool arguments as JSON text; an empty argument string means "no arguments". */
export function normaliseArgs(raw: string): string {
  return raw.trim() === '' ? '{}' : raw;
}

export function parseArgs(raw: string): unknown {
  try {
    return JSON.parse(normaliseArgs(raw));
  } catch {
    return {};
  }
}

export function parseDataUrl(url: string): { mime: string; base64: string } | undefined {
  const m = /^data:([^;,]+)?((?:;[^;,]+)*?),(.*)$/s.exec(url);
  if (!m) return undefined;
  const isBase64 = /;base64/i.test(m[2] ?? '');
  const mime = m[1] || 'application/octet-stream';
  const base64 = isBase64 ? m[3] : Buffer.from(decodeURIComponent(m[3]), 'utf8').toString('base64');
  return { mime, base64 };
}

export function textFromDataUrl(url: string): string | undefined {
  const parsed = parseDataUrl(url);
  return parsed ? Buffer.from(parsed.base64, 'base64').toString('utf8') : undefined;
}

export function isTextMime(mime: string): boolean {
  return mime.startsWith('text/') || mime === 'application/json' || mime === 'application/x-directory';
}

/** A credential given as an object (config) or as JSON text (env, stored key); undefined when it is neither. */
export function jsonObject(value: unknown): Record<string, unknown> | undefined {
  let raw = value;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      return undefined;
    }
  }
  return raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
}
