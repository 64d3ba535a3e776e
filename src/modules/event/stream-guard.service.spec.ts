import pino from 'pino';
import type { AuthContext } from '../../core/auth/auth-context';
import type { AppConfig } from '../../core/config/app-config';
import { waitUntil } from '../../../test/utils/wait-until';
import { EventBus } from './event.bus';
import { MemoryEventTransport } from './event.transport.memory';
import { StreamGuard, type GuardedStream } from './stream-guard.service';

// The guard's routing: an access change re-checks only the streams it can narrow, closes those whose rights are
// gone, leaves the rest alone; the sweep re-checks everything (the backstop for a lost event).

function setup() {
  const bus = new EventBus(new MemoryEventTransport(100), pino({ level: 'silent' }), { deltaBatchMs: 0 });
  // The rights a sweep reads in one go: a caller whose key is in `gone` has none left; `fail` makes the read fail.
  const access = {
    reads: [] as AuthContext[][],
    gone: new Set<string>(),
    fail: false,
    currentMany: async (auths: AuthContext[]) => {
      access.reads.push(auths);
      if (access.fail) throw new Error('database unreachable');
      return auths.map((a) => (access.gone.has(a.keyId ?? '') ? null : a));
    },
  };
  // A sweep period far beyond the test: anything closed here was closed by the event.
  const guard = new StreamGuard(bus, access, { accessRecheckMs: 10_000 } as AppConfig, pino({ level: 'silent' }));
  return { bus, guard, access };
}

function stream(fields: Partial<GuardedStream>, allowed = false) {
  const s = {
    tenantId: 'ten_a',
    checks: 0,
    closed: false,
    allowed,
    given: [] as (AuthContext | null | undefined)[],
    ...fields,
    stillAllowed: async (now?: AuthContext | null) => {
      s.checks++;
      s.given.push(now);
      return now === undefined ? s.allowed : now !== null;
    },
    close: () => {
      s.closed = true;
    },
  };
  return s;
}

describe('StreamGuard', () => {
  let ctx: ReturnType<typeof setup>;
  beforeEach(async () => {
    ctx = setup();
    await ctx.bus.onModuleInit();
    ctx.guard.onModuleInit();
  });
  afterEach(async () => {
    ctx.guard.onModuleDestroy();
    await ctx.bus.onModuleDestroy();
  });

  it('a revoked key closes that key’s streams only', async () => {
    const revoked = stream({ userId: 'u1', keyId: 'k1', role: 'student' });
    const sibling = stream({ userId: 'u1', keyId: 'k2', role: 'student' });
    const otherTenant = stream({ tenantId: 'ten_b', userId: 'u1', keyId: 'k1', role: 'student' });
    for (const s of [revoked, sibling, otherTenant]) ctx.guard.register(s);
    ctx.guard.announce('ten_a', { reason: 'key.revoked', keyId: 'k1', userId: 'u1' });
    await waitUntil('the revoked key’s stream closed', () => revoked.closed);
    expect([sibling.checks, otherTenant.checks]).toEqual([0, 0]);
    expect(ctx.guard.size).toBe(2);
  });

  it('a deleted or re-roled user closes every stream of that user', async () => {
    const a = stream({ userId: 'u1', keyId: 'k1', role: 'teacher' });
    const b = stream({ userId: 'u1', role: 'teacher' });
    const c = stream({ userId: 'u2', keyId: 'k3', role: 'teacher' });
    for (const s of [a, b, c]) ctx.guard.register(s);
    ctx.guard.announce('ten_a', { reason: 'user.updated', userId: 'u1' });
    await waitUntil('both streams of the user closed', () => a.closed && b.closed);
    expect(c.checks).toBe(0);
  });

  it('a class change re-checks teachers’ streams; one still allowed stays open', async () => {
    const narrowed = stream({ userId: 't1', role: 'teacher' });
    const unaffected = stream({ userId: 't2', role: 'teacher' }, true);
    const student = stream({ userId: 's1', role: 'student' });
    for (const s of [narrowed, unaffected, student]) ctx.guard.register(s);
    ctx.guard.announce('ten_a', { reason: 'class.changed', classId: 'cls_1' });
    await waitUntil('the narrowed teacher closed', () => narrowed.closed && unaffected.checks === 1);
    expect(unaffected.closed).toBe(false);
    expect(student.checks).toBe(0);
  });

  it('a school settings change re-checks public share streams (no user) too', async () => {
    const share = stream({});
    ctx.guard.register(share);
    ctx.guard.announce('ten_a', { reason: 'tenant.settings' });
    await waitUntil('the share stream closed', () => share.closed);
  });

  it('the sweep closes a stream whose rights ended without an event, and keeps one whose check failed', async () => {
    const silent = stream({ userId: 'u1', keyId: 'k1', role: 'student' });
    const flaky = stream({ userId: 'u2', keyId: 'k2', role: 'student' });
    flaky.stillAllowed = async () => {
      flaky.checks++;
      throw new Error('database unreachable');
    };
    ctx.guard.register(silent);
    ctx.guard.register(flaky);
    await (ctx.guard as unknown as { sweep(): Promise<void> }).sweep();
    expect(silent.closed).toBe(true);
    expect([flaky.closed, flaky.checks]).toEqual([false, 1]);
  });

  it('the sweep reads every caller’s rights in one go and hands each stream its own; without a caller, it reads itself', async () => {
    const auth = (keyId: string) => ({ tenantId: 'ten_a', userId: 'u1', keyId, role: 'student' }) as AuthContext;
    const kept = stream({ userId: 'u1', keyId: 'k1', role: 'student', auth: auth('k1') });
    const revoked = stream({ userId: 'u1', keyId: 'k2', role: 'student', auth: auth('k2') }, true);
    const share = stream({}, true);
    for (const s of [kept, revoked, share]) ctx.guard.register(s);
    ctx.access.gone.add('k2');
    await (ctx.guard as unknown as { sweep(): Promise<void> }).sweep();
    expect(ctx.access.reads).toEqual([[auth('k1'), auth('k2')]]);
    expect([kept.given, revoked.given, share.given]).toEqual([[auth('k1')], [null], [undefined]]);
    expect([kept.closed, revoked.closed, share.closed]).toEqual([false, true, false]);

    // The read fails: each stream reads for itself (and is kept or closed by that).
    ctx.access.fail = true;
    await (ctx.guard as unknown as { sweep(): Promise<void> }).sweep();
    expect(kept.given).toEqual([auth('k1'), undefined]);
    expect(kept.closed).toBe(true);
  });

  it('closes a stream when its credential expires, with no event and no sweep; a later expiry stays open', async () => {
    const soon = stream({ userId: 'u1', role: 'student', expiresAt: Date.now() + 50 }, true);
    const later = stream({ userId: 'u2', role: 'student', expiresAt: Date.now() + 3_600_000 }, true);
    const forever = stream({ userId: 'u3', role: 'student' }, true);
    for (const s of [soon, later, forever]) ctx.guard.register(s);
    await waitUntil('the expiring stream closed', () => soon.closed);
    expect([later.closed, forever.closed]).toEqual([false, false]);
    expect(ctx.guard.size).toBe(2);
  });

  it('closes at once a stream registered with a credential already expired, and on a re-check past expiry', async () => {
    const stale = stream({ userId: 'u1', role: 'student', expiresAt: Date.now() - 1 }, true);
    ctx.guard.register(stale);
    expect(stale.closed).toBe(true);
    const swept = stream({ userId: 'u2', role: 'student', expiresAt: Date.now() + 3_600_000 }, true);
    ctx.guard.register(swept);
    swept.expiresAt = Date.now() - 1; // as if the timer were lost
    await (ctx.guard as unknown as { sweep(): Promise<void> }).sweep();
    expect([swept.closed, swept.checks]).toEqual([true, 0]);
  });

  it('an unregistered stream is not closed by its old expiry', async () => {
    const s = stream({ userId: 'u1', role: 'student', expiresAt: Date.now() + 30 }, true);
    const off = ctx.guard.register(s);
    const witness = stream({ userId: 'u2', role: 'student', expiresAt: Date.now() + 60 }, true);
    ctx.guard.register(witness);
    off();
    await waitUntil('the witness expired', () => witness.closed);
    expect(s.closed).toBe(false);
  });

  it('refuses a malformed change at the door', () => {
    expect(() => ctx.guard.announce('ten_a', { reason: 'whatever' } as never)).toThrow();
  });
});
