import { MetricsService } from '../../../infra/metrics/metrics.service';
import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';
import type { AuthContext } from '../../../core/auth/auth-context';
import { APP_CONFIG, type AppConfig } from '../../../core/config/app-config';
import { ForbiddenError, NotFoundError } from '../../../core/errors/domain-error';
import { HostPaths } from '../../../core/http/host-paths';
import { SseWriter } from '../../../core/http/sse';
import { newId } from '../../../core/ids';
import { EventBus } from '../../event/event.bus';
import { StreamGuard } from '../../event/stream-guard.service';
import { RequestLimitService } from '../../tenant/limits/request-limit.service';
import { AuditService } from '../../audit/audit.service';
import { EventType, type EventEnvelope } from '../../event/event.types';
import type { SnapshotFileDiff } from '../../snapshot/snapshot.types';
import { MessageRepository } from '../message.repository';
import { toSessionInfo } from '../session.mapper';
import type { SessionRow } from '../session.repository';
import { SessionService } from '../session.service';
import type { MessageWithParts, SessionInfo } from '../session.types';
import { ShareRepository } from './share.repository';
import {
  publicDiff,
  publicMessage,
  publicSession,
  SHARE_ID,
  ShareEventFilter,
  type PublicSession,
  type ShareExposure,
} from './share.view';

export interface SharedTranscript {
  session: PublicSession;
  messages: MessageWithParts[];
  diff: SnapshotFileDiff[];
}

/**
 * Public read-only links (OpenCode §6.4, served by this server instead of opncd.ai). The link id is 128 random
 * bits; unsharing clears it, so the transcript route answers 404 at once and open streams are closed.
 */
@Injectable()
export class ShareService {
  constructor(
    private readonly sessions: SessionService,
    private readonly shares: ShareRepository,
    private readonly messages: MessageRepository,
    private readonly bus: EventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly guard: StreamGuard,
    private readonly limits: RequestLimitService,
    private readonly metrics: MetricsService,
    private readonly paths: HostPaths,
  ) {}

  async share(auth: AuthContext, sessionId: string, origin: string): Promise<SessionInfo> {
    const row = await this.sessions.loadForWrite(auth, sessionId);
    if (!(await this.shares.exposure(row.tenantId)))
      throw new ForbiddenError(
        'Sharing is turned off for this school (a school admin turns it on with settings.shareAllowed)',
        'share_disabled',
      );
    if (row.shareUrl) return toSessionInfo(row);
    const shareId = randomBytes(16).toString('base64url');
    const base = (this.config.publicUrl ?? origin).replace(/\/+$/, '');
    const updated = await this.shares.setShare(row.tenantId, row.id, {
      shareId,
      shareSecret: randomBytes(32).toString('base64url'),
      shareUrl: `${base}/share/${shareId}`,
    });
    await this.audit.record(auth, 'session.share', row.id, { ownerId: row.userId });
    return this.sessions.emitUpdated(updated ?? row);
  }

  async unshare(auth: AuthContext, sessionId: string): Promise<SessionInfo> {
    const row = await this.sessions.loadForWrite(auth, sessionId);
    if (!row.shareId) return toSessionInfo(row);
    const updated = await this.shares.setShare(row.tenantId, row.id, null);
    await this.audit.record(auth, 'session.unshare', row.id, { ownerId: row.userId });
    return this.sessions.emitUpdated(updated ?? row);
  }

  async transcript(shareId: string, ip: string): Promise<SharedTranscript> {
    const { row, exposure } = await this.resolve(shareId, ip);
    const { items } = await this.messages.list(row.tenantId, row.id);
    // Tool calls a school chose to show name files by their host paths: the public sees the school's view.
    return this.paths.forTenant(row.tenantId).value({
      session: publicSession(toSessionInfo(row)),
      messages: items.map((m) => publicMessage(m, exposure)),
      diff: publicDiff(row.diff as SnapshotFileDiff[] | null, exposure),
    });
  }

  /** Live events of the shared session, until the stream closes or the link is revoked. */
  async stream(shareId: string, req: Request, res: Response): Promise<void> {
    const { row, exposure } = await this.resolve(shareId, req.ip ?? req.socket.remoteAddress ?? 'unknown');
    const filter = new ShareEventFilter(exposure);
    const view = this.paths.forTenant(row.tenantId);
    const sse = new SseWriter(req, res, (json) => view.text(json));
    sse.onClose(this.metrics.trackStream('share', row.tenantId));
    const off = this.bus.subscribe(
      (e) => e.tenantId === row.tenantId && e.sessionId === row.id,
      (e) => {
        if (this.revokes(e, row)) return sse.close();
        const view = filter.view(e.event);
        if (view) sse.send(view, e.seq);
      },
    );
    sse.onClose(off);
    sse.send({ id: newId('event'), type: EventType.ServerConnected, properties: {} });
    const heartbeat = setInterval(
      () => sse.send({ id: newId('event'), type: EventType.ServerHeartbeat, properties: {} }),
      this.config.heartbeatMs,
    );
    heartbeat.unref();
    sse.onClose(() => clearInterval(heartbeat));
    // Sharing turned off for the school (or the school deleted) ends the stream within seconds, on every process.
    sse.onClose(
      this.guard.register({
        tenantId: row.tenantId,
        stillAllowed: () => this.stillShared(shareId, row),
        close: () => sse.close(),
      }),
    );
    // The link may have been revoked between the lookup and the subscription.
    if (!(await this.stillShared(shareId, row))) sse.close();
  }

  private stillShared(shareId: string, row: SessionRow): Promise<boolean> {
    return this.resolve(shareId).then(
      (now) => now.row.id === row.id,
      (err: unknown) => {
        if (err instanceof NotFoundError) return false;
        throw err;
      },
    );
  }

  /** With `ip`, a public viewer's request: counted against the per-IP share limit, found or not. */
  private async resolve(shareId: string, ip?: string): Promise<{ row: SessionRow; exposure: ShareExposure }> {
    const row = SHARE_ID.test(shareId) ? await this.shares.findByShareId(shareId) : null;
    if (ip !== undefined) await this.limits.checkShare(ip, row?.tenantId);
    // A school that turned sharing off takes its existing links down too.
    const exposure = row ? await this.shares.exposure(row.tenantId) : null;
    if (!row || !exposure) throw new NotFoundError('Share not found');
    return { row, exposure };
  }

  private revokes(e: EventEnvelope, row: SessionRow): boolean {
    if (e.event.type === EventType.SessionDeleted) return true;
    if (e.event.type !== EventType.SessionUpdated) return false;
    const info = e.event.properties.info as SessionInfo | undefined;
    return info?.share?.url !== row.shareUrl;
  }
}
