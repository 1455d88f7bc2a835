// Metrics and spans around the database handle: statement latency by operation, transaction
// latency and retries, errors by SQLSTATE class, connections in use and waiting, and (with
// tracing on) a span per transaction and per statement. It wraps a `Db` without changing its
// behaviour: the transaction guard, retries and both engines work exactly as before.
import { SpanKind } from '@opentelemetry/api';
import type { Metrics } from '../observability/metrics.ts';
import { inSpan, tracingEnabled } from '../observability/tracing.ts';
import { type Db, isPgError, type Tx } from './db.ts';

const OPERATIONS = new Set(['select', 'insert', 'update', 'delete', 'with']);
/** Errors already counted at their statement, so the transaction does not count them again. */
const counted = new WeakSet<object>();

function countError(metrics: Metrics, error: unknown): void {
  // A lost connection reaches the caller as DatabaseUnavailable, with the server's error as
  // its cause when there was one.
  const pg = isPgError(error) ? error : (error as { cause?: unknown } | null)?.cause;
  if (!isPgError(pg) || counted.has(pg)) return;
  counted.add(pg);
  metrics.dbErrors.inc({ class: pg.code.slice(0, 2) });
}

/** The statement's leading keyword as a bounded label. */
export function operationOf(text: string): string {
  const match = /^\s*(?:--[^\n]*\n\s*)*([A-Za-z]+)/.exec(text);
  const word = match?.[1]?.toLowerCase() ?? 'other';
  return OPERATIONS.has(word) ? word : 'other';
}

export interface InstrumentOptions {
  metrics: Metrics;
}

export function instrumentDb<D extends Db>(db: D, options: InstrumentOptions): D {
  const { metrics } = options;
  const { gate } = db;
  metrics.dbPoolSize.set(gate.size);
  // Read after each operation is handed to the gate and after it settles.
  const showPool = () => {
    metrics.dbConnectionsInUse.set(gate.inUse);
    metrics.dbPoolWaiting.set(gate.waiting);
  };
  const dbAttributes = { 'db.system.name': 'postgresql', 'db.system': 'postgresql' };

  const timed = async <T>(text: string, run: () => Promise<T>): Promise<T> => {
    const operation = operationOf(text);
    const stop = metrics.dbQueryDuration.startTimer({ operation });
    const execute = async () => {
      try {
        return await run();
      } catch (error) {
        countError(metrics, error);
        throw error;
      } finally {
        stop();
      }
    };
    if (!tracingEnabled()) return execute();
    return inSpan(operation.toUpperCase(), () => execute(), {
      kind: SpanKind.CLIENT,
      attributes: {
        ...dbAttributes,
        'db.operation.name': operation.toUpperCase(),
        // Parameterised text only: values never leave the process.
        'db.query.text': text.length > 2000 ? `${text.slice(0, 2000)}…` : text,
      },
    });
  };

  const wrapTx = (tx: Tx): Tx =>
    ({
      ...tx,
      query: (text: string, params?: readonly unknown[]) =>
        timed(text, () => tx.query(text, params)),
      script: (text: string) => timed(text, () => tx.script(text)),
    }) as Tx;

  const instrumented: D = {
    ...db,
    query(text: string, params?: readonly unknown[]) {
      const running = timed(text, () => db.query(text, params)).finally(showPool);
      showPool();
      return running;
    },
    transaction(fn, transactionOptions) {
      const run = async () => {
        const stop = metrics.dbTransactionDuration.startTimer();
        let attempts = 0;
        try {
          const running = db.transaction((tx) => {
            attempts++;
            if (attempts > 1) metrics.dbTransactionRetries.inc();
            return fn(wrapTx(tx));
          }, transactionOptions);
          showPool();
          const result = await running;
          stop({ outcome: 'commit' });
          return result;
        } catch (error) {
          stop({ outcome: 'rollback' });
          countError(metrics, error);
          throw error;
        } finally {
          showPool();
        }
      };
      if (!tracingEnabled()) return run();
      return inSpan('db.transaction', run, { kind: SpanKind.CLIENT, attributes: dbAttributes });
    },
  } as D;
  return instrumented;
}
