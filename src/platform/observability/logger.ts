import { type DestinationStream, type Logger, pino } from 'pino';
import type { LogLevel } from '../config.ts';
import { logTraceFields } from './tracing.ts';

/**
 * Structured JSON logs; credentials and tokens never reach them. With tracing on, every line
 * written inside a span carries its `trace_id` and `span_id`, so a log line leads to its trace.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'ibet' },
    mixin: logTraceFields,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.refreshToken',
        '*.accessToken',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
