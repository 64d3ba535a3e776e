// A real remote MCP server on 127.0.0.1 for tests: Streamable HTTP (the default) or the legacy HTTP+SSE
// transport, optionally behind OAuth with the SDK's authorization-server router and bearer middleware.
import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { mcpAuthRouter, getOAuthProtectedResourceMetadataUrl } from '@modelcontextprotocol/sdk/server/auth/router.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { addFakeTool, buildFakeMcpServer } from './fake-mcp.server';
import { FakeOAuthProvider, type FakeOAuthOptions } from './fake-oauth.provider';

export interface FakeMcpHttpOptions {
  transport?: 'streamable' | 'sse';
  /** Protect `/mcp` with OAuth; the same process acts as the authorization server. */
  oauth?: FakeOAuthOptions;
}

export interface FakeMcpHttpServer {
  /** The MCP endpoint, `http://127.0.0.1:<port>/mcp`. */
  url: string;
  origin: string;
  oauth?: FakeOAuthProvider;
  /** Adds a tool to every live session (each gets `tools/list_changed`). */
  addTool(name: string): void;
  sessionCount(): number;
  /**
   * Open server-to-client streams (Streamable HTTP's standalone GET stream, or the SSE transport's stream).
   * A notification such as `tools/list_changed` only reaches a client while its stream is open: the client opens
   * it after `initialize`, on its own schedule, so a test waits for this before changing the tool list.
   */
  openStreams(fromClient?: (headers: IncomingHttpHeaders) => boolean): number;
  /** Headers of the most recent request to the MCP endpoint. */
  lastHeaders(): Record<string, string | string[] | undefined>;
  close(): Promise<void>;
}

interface Session {
  server: McpServer;
  close(): Promise<void>;
}

export async function startFakeMcpHttpServer(options: FakeMcpHttpOptions = {}): Promise<FakeMcpHttpServer> {
  const app = express();
  const http: Server = createServer(app);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const url = `${origin}/mcp`;
  const sessions = new Map<string, Session>();
  const extraTools: string[] = [];
  const openStreams = new Set<IncomingHttpHeaders>();
  // Counted once the transport answers 200 (it registers the stream in the same tick), not when the GET arrives:
  // a GET the transport refuses is no stream.
  const countStream = (req: IncomingMessage, res: ServerResponse) => {
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
    res.writeHead = ((...args: unknown[]) => {
      if (args[0] === 200) {
        const headers = { ...req.headers };
        openStreams.add(headers);
        res.once('close', () => openStreams.delete(headers));
      }
      return writeHead(...args);
    }) as ServerResponse['writeHead'];
  };

  let lastHeaders: Record<string, string | string[] | undefined> = {};
  app.use((req, _res, next) => {
    if (req.path === '/mcp' || req.path === '/messages') lastHeaders = { ...req.headers };
    next();
  });
  let guard: RequestHandler = (_req, _res, next) => next();
  let oauth: FakeOAuthProvider | undefined;
  if (options.oauth) {
    oauth = new FakeOAuthProvider(options.oauth);
    app.use(mcpAuthRouter({ provider: oauth, issuerUrl: new URL(origin), resourceServerUrl: new URL(url) }));
    guard = requireBearerAuth({
      verifier: oauth,
      resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(new URL(url)),
    });
  }

  if ((options.transport ?? 'streamable') === 'streamable') {
    app.all('/mcp', guard, express.json({ limit: '10mb' }), async (req, res) => {
      const sessionId = req.header('mcp-session-id');
      const existing = sessionId ? sessions.get(sessionId) : undefined;
      if (existing) {
        const transport = existing.server.server.transport as StreamableHTTPServerTransport;
        if (req.method === 'GET') countStream(req, res);
        await transport.handleRequest(req, res, req.body);
        return;
      }
      if (req.method !== 'POST' || !isInitializeRequest(req.body)) {
        res.status(400).json({ jsonrpc: '2.0', error: { code: -32000, message: 'No valid session' }, id: null });
        return;
      }
      const server = buildFakeMcpServer(extraTools);
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          sessions.set(id, { server, close: () => server.close() });
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    });
  } else {
    app.get('/mcp', guard, async (req, res) => {
      countStream(req, res);
      const transport = new SSEServerTransport('/messages', res);
      const server = buildFakeMcpServer(extraTools);
      sessions.set(transport.sessionId, { server, close: () => server.close() });
      transport.onclose = () => sessions.delete(transport.sessionId);
      await server.connect(transport);
    });
    app.post('/messages', guard, express.json({ limit: '10mb' }), async (req, res) => {
      const session = sessions.get(String(req.query.sessionId));
      if (!session) {
        res.status(404).send('unknown session');
        return;
      }
      await (session.server.server.transport as SSEServerTransport).handlePostMessage(req, res, req.body);
    });
  }

  return {
    url,
    origin,
    oauth,
    addTool(name) {
      extraTools.push(name);
      for (const session of sessions.values()) addFakeTool(session.server, name);
    },
    sessionCount: () => sessions.size,
    openStreams: (fromClient = () => true) => [...openStreams].filter(fromClient).length,
    lastHeaders: () => lastHeaders,
    async close() {
      await Promise.all([...sessions.values()].map((session) => session.close().catch(() => undefined)));
      sessions.clear();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
