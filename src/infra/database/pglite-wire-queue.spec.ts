import { NotificationScanner } from './pglite-wire-queue';

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
