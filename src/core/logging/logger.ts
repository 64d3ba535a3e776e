import type { LoggerService } from '@nestjs/common';
import pino, { type Logger } from 'pino';
import { currentRequestId } from '../http/request-context';
import { traceFields } from './trace-fields';

// Nest's start-up chatter (one line per module and per route) says nothing a person needs; it stays at debug.
const QUIET_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/**
 * Structured logs; every line carries the request id and the trace id when there are. `pretty` renders them for a person
 * (pino-pretty, loaded only then); `json` is one object a line.
 */
export function createLogger(level: string, format: 'json' | 'pretty' = 'json'): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    // Each line names its request and, when traced, its trace and span (OpenTelemetry's log correlation).
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { requestId, ...traceFields() } : traceFields();
    },
    redact: {
      paths: ['*.apiKey', '*.key', '*.authorization', '*.password', '*.secret', '*.token'],
      censor: '[redacted]',
    },
  };
  if (format === 'json') return pino(options);
  // pino-pretty is loaded only for a terminal
  const pretty = require('pino-pretty') as typeof import('pino-pretty');
  const stream = pretty.build({
    colorize: true,
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'context',
    messageFormat: '{if context}{context}: {end}{msg}',
  });
  return pino(options, stream);
}

/** Adapts pino to Nest's LoggerService so framework logs are JSON too. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}
  log(message: unknown, context?: string) {
    if (context && QUIET_CONTEXTS.has(context)) this.logger.debug({ context }, String(message));
    else this.logger.info({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string) {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string) {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string) {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string) {
    this.logger.trace({ context }, String(message));
  }
}

export const LOGGER = Symbol('LOGGER');
