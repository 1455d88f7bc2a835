// The HTTP server span: started when a request arrives (continuing the caller's trace from a
// W3C `traceparent` header), active for everything the request does, ended when the response
// is done. Only used when tracing is on (see observability/tracing.ts).
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { tracer } from '../observability/tracing.ts';

const spans = new WeakMap<IncomingMessage, Span>();

/** The server span of a raw request, if tracing made one. */
export const serverSpanOf = (request: IncomingMessage): Span | undefined => spans.get(request);

export function tracedRequestHandler(handler: RequestListener): RequestListener {
  return (request: IncomingMessage, response: ServerResponse) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const path = (request.url ?? '/').split('?')[0]!;
    const span = tracer.startSpan(
      `${request.method} ${path.startsWith('/api/') ? 'unmatched' : path}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method ?? 'GET',
          'url.path': path,
          'network.protocol.version': request.httpVersion,
          ...(request.headers['user-agent']
            ? { 'user_agent.original': request.headers['user-agent'] }
            : {}),
        },
      },
      parent,
    );
    spans.set(request, span);
    const active = trace.setSpan(parent, span);
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      const status = response.statusCode;
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      if (!response.writableFinished) span.setAttribute('http.aborted', true);
      span.end();
    };
    response.once('finish', end);
    response.once('close', end);
    // Listeners on the request and response (body parsing, onResponse hooks) run in the span
    // too, not in the context of the socket that emitted them.
    context.bind(active, request);
    context.bind(active, response);
    context.with(active, () => handler(request, response));
  };
}
