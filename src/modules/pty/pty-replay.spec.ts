import { cursorFrame } from './pty-session';
import { ReplayBuffer } from './pty-replay';
import { PtyTickets } from './pty-ticket';

describe('the replay buffer', () => {
  it('keeps the last `limit` characters, addressed by absolute cursors', () => {
    const buffer = new ReplayBuffer(10);
    buffer.push('hello ');
    buffer.push('world, again');
    expect(buffer.end).toBe(18);
    expect(buffer.since()).toBe('rld, again');
    expect(buffer.since(15)).toBe('ain');
    // A cursor older than what is kept gets what is kept; one at or past the end gets nothing.
    expect(buffer.since(2)).toBe('rld, again');
    expect(buffer.since(18)).toBe('');
    expect(buffer.since(99)).toBe('');
    expect(buffer.since(-1)).toBe('');
    expect(buffer.since(Number.NaN)).toBe('rld, again');
  });

  it('never starts with half a surrogate pair', () => {
    const buffer = new ReplayBuffer(2);
    buffer.push('a😀b');
    expect(buffer.since()).toBe('b');
    expect(buffer.end).toBe(4);
  });

  it('the cursor frame is 0x00 then JSON, as OpenCode sends it', () => {
    const frame = cursorFrame(42);
    expect(frame[0]).toBe(0);
    expect(JSON.parse(frame.subarray(1).toString())).toEqual({ cursor: 42 });
  });
});

describe('connect tickets', () => {
  it('are single-use and bound to one terminal', () => {
    const tickets = new PtyTickets();
    const auth = { tenantId: 'ten_a', userId: 'usr_a', role: 'student' as const, platformAdmin: false };
    const holder = { ptyId: 'pty_a', tenantId: 'ten_a', userId: 'usr_a', auth };
    const ticket = tickets.issue(holder);
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tickets.take(ticket, 'pty_b')).toBeUndefined();
    // Spent by the wrong-terminal attempt.
    expect(tickets.take(ticket, 'pty_a')).toBeUndefined();
    const again = tickets.issue(holder);
    expect(tickets.take(again, 'pty_a')).toEqual(holder);
    expect(tickets.take(again, 'pty_a')).toBeUndefined();
    expect(tickets.take(undefined, 'pty_a')).toBeUndefined();
  });
});
