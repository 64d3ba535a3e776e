import { BACKGROUND_APP, installWireQueue, NotificationScanner, type WireQueue } from './pglite-wire-queue';

// Backend messages as Postgres writes them: a type byte, then an int32 length that counts itself.
function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const cstr = (s: string) => Buffer.from(`${s}\0`, 'utf8');
const notification = (channel: string, payload: string) => message('A', Buffer.concat([Buffer.from([0, 0, 0, 42]), cstr(channel), cstr(payload)]));

describe('NotificationScanner', () => {
  const dataRow = message('D', Buffer.from('\0\x01\0\0\0\x03abc', 'latin1'));
  const note = notification('bullmq_jobs', 'maintenance');
  const reply = Buffer.concat([message('C', cstr('COMMIT')), dataRow, note, message('Z', Buffer.from('I')), notification('bullmq_events', 'session')]);

  it('finds every NotificationResponse however the reply is split into chunks', () => {
    for (let a = 0; a <= reply.length; a++) {
      for (let b = a; b <= reply.length; b += 3) {
        const scanner = new NotificationScanner();
        for (const chunk of [reply.subarray(0, a), reply.subarray(a, b), reply.subarray(b)]) scanner.feed(new Uint8Array(chunk));
        expect(scanner.found.map((f) => Buffer.from(f).toString('latin1'))).toEqual([note.toString('latin1'), notification('bullmq_events', 'session').toString('latin1')]);
      }
    }
  });

  it('finds nothing in a reply without notifications', () => {
    const scanner = new NotificationScanner();
    scanner.feed(new Uint8Array(Buffer.concat([dataRow, dataRow, message('Z', Buffer.from('I'))])));
    expect(scanner.found).toEqual([]);
  });
});

describe('installWireQueue scheduling', () => {
  // A stand-in for PGlite's protocol entry points: it records the order messages run in and answers nothing.
  function setup() {
    const ran: string[] = [];
    const db = {
      isInTransaction: () => false,
      runExclusive: <T>(fn: () => Promise<T>) => fn(),
      execProtocolRawStream: async (m: Uint8Array) => {
        ran.push(Buffer.from(m).toString('latin1', 5));
      },
    };
    const q: WireQueue = {
      queue: [],
      processing: false,
      lastHandlerId: null,
      processQueue: async () => undefined,
      clearQueueForHandler: () => undefined,
    };
    installWireQueue(q, db as unknown as Parameters<typeof installWireQueue>[1]);
    const send = (handlerId: number, message: Buffer, timestamp = Date.now()) =>
      new Promise<number>((resolve, reject) => {
        q.queue.push({ handlerId, timestamp, message: new Uint8Array(message), resolve, reject, onData: () => undefined });
      });
    return { q, ran, send };
  }
  const startup = (app: string) => {
    const body = Buffer.from(`\0\x03\0\0user\0postgres\0application_name\0${app}\0\0`, 'latin1');
    const len = Buffer.alloc(4);
    len.writeInt32BE(body.length + 4);
    return Buffer.concat([len, body]);
  };
  const query = (sql: string) => message('Q', cstr(sql));

  it('serves request connections before background ones, but not a background message that waited too long', async () => {
    const { q, ran, send } = setup();
    void send(1, startup(BACKGROUND_APP));
    void send(2, startup('prisma'));
    await q.processQueue();
    void send(1, query('bg-fresh'));
    void send(2, query('fg-1'));
    void send(2, query('fg-2'));
    await q.processQueue();
    void send(1, query('bg-stale'), Date.now() - 1000);
    void send(2, query('fg-3'));
    await q.processQueue();
    expect(ran.filter((r) => !r.includes('application_name'))).toEqual(['fg-1\0', 'fg-2\0', 'bg-fresh\0', 'bg-stale\0', 'fg-3\0']);
  });
});
