import type { BusEvent, EventEnvelope } from './event.types';

// An event is serialised once, where it is published: the Redis entry carries those bytes, and every SSE stream of
// every process sends the same bytes again (no parse and re-serialisation of the event on the way). The reader
// parses the small routing head only; the event's properties are parsed when a local subscriber reads them.

const serialised = new WeakMap<EventEnvelope, string>();

/** The event's JSON, as sent on SSE streams (`data:` of `/event`, `payload` of `/global/event`). */
export function eventJsonOf(e: EventEnvelope): string {
  let json = serialised.get(e);
  if (json === undefined) serialised.set(e, (json = JSON.stringify(e.event)));
  return json;
}

const EVENT_KEY = ',"event":';

/**
 * The fields of an envelope's Redis entry: `e` is the whole envelope's JSON, as before (older readers and the replay
 * read it), with the event last; `h` says where the event's JSON starts in it, its type and its id (`at type id`).
 */
export function encodeEnvelope(envelope: Omit<EventEnvelope, 'seq'>): [string, string, string, string] {
  const { event, ...routing } = envelope;
  const head = JSON.stringify(routing).slice(0, -1);
  const data = `${head}${EVENT_KEY}${JSON.stringify(event)}}`;
  return ['e', data, 'h', `${head.length + EVENT_KEY.length} ${event.type} ${event.id}`];
}

/** An entry back into an envelope; one written without the event's offset is parsed whole. */
export function decodeEnvelope(seq: string, fields: string[]): EventEnvelope {
  const data = fields[1];
  const h = fields[2] === 'h' ? fields[3] : '';
  const first = h.indexOf(' ');
  const last = h.lastIndexOf(' ');
  const at = first > 0 && last > first ? Number(h.slice(0, first)) : NaN;
  const [type, id] = [h.slice(first + 1, last), h.slice(last + 1)];
  if (!(at < data.length && data.startsWith(EVENT_KEY, at - EVENT_KEY.length))) return { ...JSON.parse(data), seq };
  const eventJson = data.slice(at, -1);
  const envelope = JSON.parse(`${data.slice(0, at - EVENT_KEY.length)}}`) as EventEnvelope;
  envelope.seq = seq;
  envelope.event = lazyEvent(id, type, eventJson);
  serialised.set(envelope, eventJson);
  return envelope;
}

/** The event with its properties parsed on first read (an own enumerable property: spreads and JSON see it). */
function lazyEvent(id: string, type: string, json: string): BusEvent {
  let properties: Record<string, unknown> | undefined;
  const event = { id, type } as BusEvent;
  Object.defineProperty(event, 'properties', {
    enumerable: true,
    configurable: true,
    get: () => (properties ??= (JSON.parse(json) as BusEvent).properties),
    set: (value: Record<string, unknown>) => (properties = value),
  });
  return event;
}
