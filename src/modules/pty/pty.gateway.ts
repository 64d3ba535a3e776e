import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { DomainError } from '../../core/errors/domain-error';
import { PtyService } from './pty.service';
import { lazyModule } from '../../core/lazy/lazy-module';

// The WebSocket library loads with the first terminal connection, not at boot.

const wsLib = lazyModule(() => require('ws') as typeof import('ws'));

const CONNECT_PATH = /^\/pty\/([^/]+)\/connect$/;
/** Keystrokes and pastes, not files: a bigger frame closes the connection. */
const MAX_FRAME_BYTES = 1024 * 1024;

/**
 * `GET /pty/{id}/connect` as a WebSocket. Upgrades never reach Nest's router, so this listens on the HTTP server's
 * `upgrade` event; the ticket from `POST /pty/{id}/connect-token` is the only credential (browsers cannot set
 * headers on a WebSocket, and keys do not belong in URLs). Refusals are plain HTTP answers in the error shape.
 */
@Injectable()
export class PtyGateway implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('PtyGateway');
  private wss?: WebSocketServer;
  private server?: Server;
  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => this.upgrade(req, socket, head);

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly ptys: PtyService,
  ) {}

  onApplicationBootstrap(): void {
    // The worker entrypoint has no HTTP server.
    this.server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    this.server?.on('upgrade', this.onUpgrade);
  }

  onApplicationShutdown(): void {
    this.server?.off('upgrade', this.onUpgrade);
    for (const client of this.wss?.clients ?? []) client.terminate();
    this.wss?.close();
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = CONNECT_PATH.exec(url.pathname);
    if (!match) {
      // Nobody else upgrades connections here: answer instead of leaving the socket hanging.
      if (this.server?.listenerCount('upgrade') === 1) refuse(socket, 404, 'NotFoundError', 'Not found');
      return;
    }
    const id = decodeURIComponent(match[1]);
    const raw = url.searchParams.get('cursor');
    const cursor = raw === null || raw === '' ? undefined : Number(raw);
    let admission;
    try {
      admission = this.ptys.admit(id, url.searchParams.get('ticket') ?? undefined);
    } catch (error) {
      if (error instanceof DomainError) return refuse(socket, error.status, error.errorName, error.message);
      this.logger.error(error);
      return refuse(socket, 500, 'UnknownError', 'The terminal could not be connected');
    }
    this.wss ??= new (wsLib().WebSocketServer)({ noServer: true, maxPayload: MAX_FRAME_BYTES });
    this.wss.handleUpgrade(req, socket, head, (ws) => this.ptys.connect(admission, ws, cursor));
  }
}

function refuse(socket: Duplex, status: number, name: string, message: string): void {
  const body = JSON.stringify({ name, data: { message } });
  const reason = { 403: 'Forbidden', 404: 'Not Found', 500: 'Internal Server Error' }[status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
}
