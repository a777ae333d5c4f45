/**
 * Request logs: one JSON line per client request (CONTRACT §4), written with pino. Lines
 * come from the engine's `request.finished` event, or from the gateway for requests it
 * refused before the engine saw them. Every string is scrubbed of secrets.
 */
import { destination as pinoDestination, pino, type DestinationStream, type Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { RequestFinishedEvent } from '../engine/events.js';
import { redactSecrets } from '../providers/shared/redact.js';

/** Options of {@link createRequestLogger}. */
export interface RequestLoggerOptions {
  /** @default 'info' */
  level?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Where lines go. @default stdout, buffered */
  destination?: DestinationStream;
  /** Strings never to write (credentials); key-shaped strings are redacted too. */
  secrets: readonly string[];
  /** Timestamps come from this clock (the engine's). */
  clock: Clock;
}

/** A request the gateway answered without the engine (bad input, bad key, unknown model). */
export interface RejectedRequest {
  requestId: string;
  status: number;
  code: string;
  message: string;
  latencyMs: number;
  route?: string | undefined;
}

/** The gateway's logger. */
export interface RequestLogger {
  readonly pino: Logger;
  /**
   * Logs a request the engine finished; `status` is the HTTP status it maps to, `override`
   * what the gateway knows better than the engine (a request the shutdown cut off).
   */
  finished(event: RequestFinishedEvent, status: number, override?: { outcome: string; error: string }): void;
  rejected(request: RejectedRequest): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  /** Writes buffered lines out (call before exiting). */
  flush(): void;
}

/** Creates the request logger. */
export function createRequestLogger(options: RequestLoggerOptions): RequestLogger {
  // Buffered for throughput, but never held back longer than 250 ms (a quiet gateway's lines
  // show up at once, and a crash loses at most that much); the flush timer is unref'd.
  const destination = options.destination ?? pinoDestination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 250 });
  const clock = options.clock;
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      messageKey: 'msg',
      timestamp: isoTimestamps(clock),
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        // The last line of defence: no secret leaves, whatever field it hides in.
        streamWrite: (line) => redactSecrets(line, options.secrets),
      },
    },
    destination,
  );
  return {
    pino: logger,
    finished(event, status, override) {
      // Failed attempts; one cut short by the client is not a failure (a deadline's timeout is).
      const failed = event.attempts.filter((attempt) => attempt.kind !== 'ok' && attempt.kind !== 'aborted').length;
      logger.info({
        request_id: event.requestId,
        route: event.route.length > 200 ? `${event.route.slice(0, 200)}…` : event.route,
        selected_provider: event.answered ? (event.provider ?? null) : null,
        failover_attempts: failed,
        attempts: event.attempts.length,
        upstream: event.attempts.map((a) => ({ provider: a.provider, kind: a.kind, status: a.status ?? null, latency_ms: Math.round(a.latencyMs) })),
        input_tokens: event.inputTokens ?? null,
        output_tokens: event.outputTokens ?? null,
        cost_usd: event.costUsd ?? null,
        latency_ms: Math.round(event.latencyMs),
        cache_hit: event.cacheHit,
        stream: event.stream,
        status,
        outcome: override?.outcome ?? event.status,
        ...(override !== undefined ? { error: override.error } : event.errorMessage === undefined ? {} : { error: event.errorMessage }),
      }, 'request');
    },
    rejected(request) {
      logger.info({
        request_id: request.requestId,
        route: request.route ?? null,
        selected_provider: null,
        failover_attempts: 0,
        attempts: 0,
        input_tokens: null,
        output_tokens: null,
        cost_usd: null,
        latency_ms: Math.round(request.latencyMs),
        cache_hit: false,
        status: request.status,
        outcome: request.code,
        error: request.message,
      }, 'request');
    },
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    flush() {
      const stream = destination as { flushSync?: () => void };
      try {
        stream.flushSync?.();
      } catch {
        // not ready yet or already closed: nothing buffered to lose
      }
    },
  };
}

/**
 * pino's `timestamp` option: `,"timestamp":"<ISO 8601>"` from `clock`. The date and time up to
 * the second are formatted once per second (every request writes a line; `toISOString` was a
 * few percent of the gateway's CPU).
 */
export function isoTimestamps(clock: Clock): () => string {
  let second = Number.NaN;
  let prefix = '';
  return () => {
    const now = Math.floor(clock.now());
    const ms = ((now % 1000) + 1000) % 1000;
    const start = now - ms;
    if (start !== second) {
      second = start;
      // "2026-12-06T04:15:00." of "2026-12-06T04:15:00.000Z"
      prefix = `,"timestamp":"${new Date(start).toISOString().slice(0, -4)}`;
    }
    return `${prefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`;
  };
}
