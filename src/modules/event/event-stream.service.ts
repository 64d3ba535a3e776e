import { Inject, Injectable, BeforeApplicationShutdown } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { AuthContext } from '../../core/auth/auth-context';
import { TEACHER_SCOPE, type TeacherScope } from '../../core/auth/teacher-scope.port';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { SseWriter } from '../../core/http/sse';
import { newId } from '../../core/ids';
import { EventBus } from './event.bus';
import { compareSeq, parseSeq } from './event.transport.memory';
import { EventType, type EventEnvelope } from './event.types';
import { eventFilter, type StreamScope } from './event.visibility';

export interface StreamOptions extends StreamScope {
  /** `/global/event` wraps each event as `{directory, project, payload}`. */
  global?: boolean;
  /** Resume after this cursor (the `Last-Event-ID` header). */
  lastEventId?: string;
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
  ) {}

  async stream(auth: AuthContext, req: Request, res: Response, opts: StreamOptions): Promise<void> {
    if (auth.role === 'teacher' && !opts.watchedUserIds)
      opts = { ...opts, watchedUserIds: await this.teachers.watchedUserIds(auth) };
    const sse = new SseWriter(req, res);
    this.open.add(sse);
    sse.onClose(() => this.open.delete(sse));
    const filter = eventFilter(auth, opts);
    const frame = (e: EventEnvelope) =>
      opts.global ? { directory: e.directory ?? 'global', project: e.projectId, payload: e.event } : e.event;

    // Subscribe before replaying so nothing falls between the two; live events wait until replay is sent. The
    // local reader trails the shared stream, so a replayed event may reach it only after the replay: everything at
    // or below the last replayed cursor is dropped for good (local-only `0-n` events of a Redis outage excepted).
    let pending: EventEnvelope[] | null = [];
    let floor: [number, number] | undefined;
    const fresh = (e: EventEnvelope) => {
      const seq = parseSeq(e.seq);
      return !floor || !seq || seq[0] === 0 || compareSeq(seq, floor) > 0;
    };
    const off = this.bus.subscribe(filter, (e) => {
      if (pending) pending.push(e);
      else if (fresh(e)) sse.send(frame(e), e.seq);
    });
    sse.onClose(off);

    const connected = { id: newId('event'), type: EventType.ServerConnected, properties: {} };
    sse.send(opts.global ? { payload: connected } : connected);

    let lastSent = '';
    if (opts.lastEventId) {
      for (const e of await this.bus.replay(opts.lastEventId, filter)) {
        sse.send(frame(e), e.seq);
        lastSent = e.seq;
      }
    }
    floor = parseSeq(lastSent);
    for (const e of pending) if (fresh(e)) sse.send(frame(e), e.seq);
    pending = null;

    const heartbeat = setInterval(() => {
      const beat = { id: newId('event'), type: EventType.ServerHeartbeat, properties: {} };
      sse.send(opts.global ? { payload: beat } : beat);
    }, this.config.heartbeatMs);
    heartbeat.unref();
    sse.onClose(() => clearInterval(heartbeat));
  }

  get openStreams(): number {
    return this.open.size;
  }

  // Before, not on, shutdown: Nest closes the HTTP server in between, and that waits for these open streams.
  beforeApplicationShutdown(): void {
    for (const sse of [...this.open]) sse.close();
  }
}
