import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { NextFunction, Request, Response } from 'express';

/**
 * The server span of a request, a child of the caller's `traceparent` if it sent one. Registered after the body
 * parsers: their stream callbacks would lose the active context, so everything from the guard on runs inside it.
 * Named by the route template once it is known (`POST /session/:sessionID/message`), never by the raw path.
 */
export function httpTracingMiddleware() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const parent = propagation.extract(context.active(), req.headers);
    const span = trace
      .getTracer('opencode-api')
      .startSpan(`${req.method}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method } }, parent);
    res.once('close', () => {
      const template = (req.route as { path?: unknown } | undefined)?.path;
      const route = typeof template === 'string' ? `${req.baseUrl}${template}` : undefined;
      if (route) span.updateName(`${req.method} ${route}`).setAttribute('http.route', route);
      const tenant = (req as Request & { auth?: { tenantId?: string } }).auth?.tenantId;
      if (tenant) span.setAttribute('opencode.tenant', tenant);
      const session = req.params?.sessionID;
      if (session) span.setAttribute('opencode.session', session);
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
