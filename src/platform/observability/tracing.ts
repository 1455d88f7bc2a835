// OpenTelemetry tracing, on only when OTEL_EXPORTER_OTLP_ENDPOINT is set. Off, nothing of the
// SDK is even loaded (dynamic imports) and every helper here returns at the first line.
//
// Spans are made by iBet itself rather than by auto-instrumentation (which needs ESM loader
// hooks and does not cover postgres.js): the HTTP server span (W3C `traceparent` honoured),
// a use-case span around each route handler, a span per transaction and per SQL statement,
// and consumer spans for outbox events, parented on the context the event was written in.
import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { Consumer } from '../events/bus.ts';
import type { OutboxEvent } from '../events/outbox.ts';

export interface TracingOptions {
  /** OTLP/HTTP base URL, e.g. http://otel-collector:4318 (spans go to …/v1/traces). */
  endpoint: string | undefined;
  serviceName: string;
  /** Fraction of new traces to sample (parent-based: a sampled caller is always followed). */
  sampleRatio: number;
  /** Extra resource attributes (role, version). */
  attributes?: Record<string, string>;
}

export interface Tracing {
  shutdown(): Promise<void>;
}

let enabled = false;

export const tracer = trace.getTracer('ibet');

/** True once `startTracing` has registered an exporter in this process. */
export const tracingEnabled = (): boolean => enabled;

/** Starts the SDK with an OTLP/HTTP exporter; returns undefined (and loads nothing) when off. */
export async function startTracing(options: TracingOptions): Promise<Tracing | undefined> {
  if (!options.endpoint) return undefined;
  const [{ NodeSDK, resources }, { OTLPTraceExporter }, base] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/sdk-trace-base'),
  ]);
  const sdk = new NodeSDK({
    resource: resources.resourceFromAttributes({
      'service.name': options.serviceName,
      ...options.attributes,
    }),
    autoDetectResources: false,
    traceExporter: new OTLPTraceExporter({
      url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces`,
    }),
    sampler: new base.ParentBasedSampler({
      root: new base.TraceIdRatioBasedSampler(options.sampleRatio),
    }),
    instrumentations: [],
    // Traces only: without these the SDK starts OTLP metric and log exporters too, and their
    // shutdown waits ~9 s for a collector that is not expecting them.
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  enabled = true;
  return {
    async shutdown() {
      enabled = false;
      await sdk.shutdown().catch(() => {});
    },
  };
}

/** Trace and span ids of the active span, for log lines (pino mixin). */
export function logTraceFields(): Record<string, string> {
  if (!enabled) return {};
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return { trace_id: traceId, span_id: spanId, trace_flags: `0${traceFlags.toString(16)}` };
}

/** The W3C `traceparent` of the active span, to store with an outbox event. */
export function currentTraceparent(): string | null {
  if (!enabled) return null;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

/** The context a `traceparent` describes (ROOT_CONTEXT when there is none). */
export function contextFrom(traceparent: string | null | undefined): Context {
  if (!traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

function fail(span: Span, error: unknown): void {
  span.recordException(error instanceof Error ? error : String(error));
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Record<string, string | number | boolean>;
  /** Parent context; the active one by default. */
  parent?: Context;
}

/** Runs `fn` in a new active span (or just runs it when tracing is off). */
export function inSpan<T>(
  name: string,
  fn: (span: Span | undefined) => Promise<T>,
  options: SpanOptions = {},
): Promise<T> {
  if (!enabled) return fn(undefined);
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes ?? {} },
    parent,
  );
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await fn(span);
    } catch (error) {
      fail(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * Wraps a use case so that each call runs in a span named `name`, e.g.
 * `export const placeBet = traced('betting.placeBet', place)`. Cross-cutting, not sprinkled
 * through the use case.
 */
export function traced<A extends unknown[], R>(
  name: string,
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return (...args: A) => inSpan(name, () => fn(...args));
}

export { context as otelContext, SpanKind, SpanStatusCode, trace as otelTrace };

/**
 * A durable consumer whose handling of each event is a span continuing the trace the event
 * was written in (its outbox `traceparent`): HTTP request → use case → SQL → outbox → worker.
 * A batch runs in the span of its first event; each other event has a span of its own in its
 * own trace, as long as the batch, linked to that one.
 */
export function tracedConsumer(consumer: Consumer): Consumer {
  const { handleBatch } = consumer;
  const options = (event: OutboxEvent, count: number) => ({
    kind: SpanKind.CONSUMER,
    attributes: { 'messaging.batch.message_count': count },
    parent: contextFrom(event.traceparent),
  });
  return {
    ...consumer,
    handle: (tx, event) =>
      inSpan(`${consumer.name} ${event.type}`, () => consumer.handle(tx, event), options(event, 1)),
    ...(handleBatch && {
      handleBatch: async (tx, events) => {
        const [first, ...rest] = events;
        if (!first) return;
        await inSpan(
          `${consumer.name} ${first.type}`,
          async (span) => {
            const others = span
              ? rest.map((e) => {
                  const { kind, attributes, parent } = options(e, events.length);
                  const links = [{ context: span.spanContext() }];
                  return tracer.startSpan(
                    `${consumer.name} ${e.type}`,
                    { kind, attributes, links },
                    parent,
                  );
                })
              : [];
            try {
              await handleBatch.call(consumer, tx, events);
            } catch (error) {
              for (const s of others) fail(s, error);
              throw error;
            } finally {
              for (const s of others) s.end();
            }
          },
          options(first, events.length),
        );
      },
    }),
  };
}
