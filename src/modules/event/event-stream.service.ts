import { Inject, Injectable, BeforeApplicationShutdown } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuthContext } from '../../core/auth/auth-context';
import { TEACHER_SCOPE, type TeacherScope } from '../../core/auth/teacher-scope.port';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { HostPaths } from '../../core/http/host-paths';
import { SseWriter } from '../../core/http/sse';
import { newId } from '../../core/ids';
import { MetricsService } from '../../infra/metrics/metrics.service';
import { EventBus } from './event.bus';
import { compareSeq, parseSeq } from './event.transport.memory';
import { EventType, type EventEnvelope } from './event.types';
import { eventFilter, type StreamScope } from './event.visibility';
import { eventJsonOf } from './event.wire';
import { STREAM_ACCESS, type StreamAccess } from './stream-access.port';
import { StreamGuard } from './stream-guard.service';

export interface StreamOptions extends StreamScope {
  /** `/global/event` wraps each event as `{directory, project, payload}`. */
  global?: boolean;
  /** Resume after this cursor (the `Last-Event-ID` header). */
  lastEventId?: string;
}

// One event goes to many streams of this process: its frame is serialised once (per form) and shared; the event's
// own JSON is the one it was published with (event.wire.ts).
const globalJson = new WeakMap<EventEnvelope, string>();
function frameJson(e: EventEnvelope, global: boolean | undefined): string {
  if (!global) return eventJsonOf(e);
  let json = globalJson.get(e);
  if (json === undefined) {
    // JSON.stringify({ directory, project, payload }) with the payload's JSON as it is (no project key when none).
    const project = e.projectId === undefined ? '' : `"project":${JSON.stringify(e.projectId)},`;
    json = `{"directory":${JSON.stringify(e.directory ?? 'global')},${project}"payload":${eventJsonOf(e)}}`;
    globalJson.set(e, json);
  }
  return json;
}

/** Serves `/event` and `/global/event`: connected frame, replay, live events, heartbeats. */
@Injectable()
export class EventStreamService implements BeforeApplicationShutdown {
  private readonly open = new Set<SseWriter>();
  constructor(
    private readonly bus: EventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    /** The students whose session events a teacher may watch. */
    @Inject(TEACHER_SCOPE) private readonly teachers: TeacherScope,
    @Inject(STREAM_ACCESS) private readonly access: StreamAccess,
    private readonly guard: StreamGuard,
    private readonly metrics: MetricsService,
    private readonly paths: HostPaths,
  ) {}

  async stream(auth: AuthContext, req: Request, res: Response, opts: StreamOptions): Promise<void> {
    // The scope is the stream's own object: a re-check may widen a teacher's watched students in place.
    const scope: StreamScope = { sessionId: opts.sessionId, projectId: opts.projectId };
    if (auth.role === 'teacher') scope.watchedUserIds = await this.teachers.watchedUserIds(auth);
    // Claimed before the response starts, so a refusal is an ordinary 429 body.
    const slot = await this.access.claim(auth);
    const view = this.paths.viewFor(auth);
    const sse = new SseWriter(req, res, view ? (json) => view.text(json) : undefined);
    this.open.add(sse);
    sse.onClose(() => this.open.delete(sse));
    sse.onClose(this.metrics.trackStream(opts.global ? 'global' : 'event', auth.tenantId));
    sse.onClose(() => slot.release());
    sse.onClose(
      this.guard.register({
        tenantId: auth.tenantId,
        userId: auth.userId,
        keyId: auth.keyId,
        role: auth.role,
        expiresAt: auth.expiresAt,
        auth,
        stillAllowed: (now) => this.stillAllowed(auth, scope, now),
        close: () => sse.close(),
      }),
    );
    const filter = eventFilter(auth, scope);
    const send = (e: EventEnvelope) => sse.sendJson(frameJson(e, opts.global), e.seq);

    // Subscribe before replaying so nothing falls between the two; live events wait until replay is sent. The
    // local reader trails the shared stream, so a replayed event may reach it only after the replay: everything at
    // or below the last replayed cursor is dropped for good (local-only `0-n` events of a Redis outage excepted).
    let pending: EventEnvelope[] | null = [];
    let floor: [number, number] | undefined;
    const fresh = (e: EventEnvelope) => {
      if (!floor) return true; // no replay: every live event is new (this runs for every event of every stream)
      const seq = parseSeq(e.seq);
      return !seq || seq[0] === 0 || compareSeq(seq, floor) > 0;
    };
    // The route only narrows which events reach the filter: a student's stream sees their own sessions' events
    // and ownerless ones, a `?sessionID=` stream that session's; teachers and admins see the school's.
    const route = {
      tenantId: auth.tenantId,
      sessionId: scope.sessionId,
      ownerId: auth.role === 'student' ? auth.userId : undefined,
    };
    const off = this.bus.subscribe(
      filter,
      (e) => {
        if (pending) pending.push(e);
        else if (fresh(e)) send(e);
      },
      route,
    );
    sse.onClose(off);

    const connected = { id: newId('event'), type: EventType.ServerConnected, properties: {} };
    sse.send(opts.global ? { payload: connected } : connected);

    let lastSent = '';
    if (opts.lastEventId) {
      for (const e of await this.bus.replay(opts.lastEventId, filter)) {
        send(e);
        lastSent = e.seq;
      }
    }
    floor = parseSeq(lastSent);
    for (const e of pending) if (fresh(e)) send(e);
    pending = null;

    const heartbeat = setInterval(() => {
      const beat = { id: newId('event'), type: EventType.ServerHeartbeat, properties: {} };
      sse.send(opts.global ? { payload: beat } : beat);
    }, this.config.heartbeatMs);
    heartbeat.unref();
    sse.onClose(() => clearInterval(heartbeat));
  }

  /**
   * The rights the stream was opened with still hold: the key and user are live, the role is the same, and a
   * teacher still oversees every student they did (a newly added student is let in without a reconnect). `read`:
   * the caller's rights as the guard's sweep just read them.
   */
  private async stillAllowed(auth: AuthContext, scope: StreamScope, read?: AuthContext | null): Promise<boolean> {
    const now = read === undefined ? await this.access.current(auth) : read;
    if (!now || now.role !== auth.role || now.platformAdmin !== auth.platformAdmin) return false;
    if (auth.role !== 'teacher') return true;
    const watched = await this.teachers.watchedUserIds(now);
    for (const id of scope.watchedUserIds ?? []) if (!watched.has(id)) return false;
    scope.watchedUserIds = watched;
    return true;
  }

  get openStreams(): number {
    return this.open.size;
  }

  // Before, not on, shutdown: Nest closes the HTTP server in between, and that waits for these open streams.
  beforeApplicationShutdown(): void {
    for (const sse of [...this.open]) sse.close();
  }
}
