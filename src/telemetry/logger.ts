/**
 * Request logs: one JSON line per client request (CONTRACT §4), written with pino. Lines
 * come from the engine's `request.finished` event, or from the gateway for requests it
 * refused before the engine saw them. Every string is scrubbed of secrets.
 */
import { destination as pinoDestination, pino, type DestinationStream, type Logger } from 'pino';
import { wallTime, type Clock } from '../core/clock.js';
import type { RequestFinishedEvent } from '../engine/events.js';
import { redactSecrets } from '../providers/shared/redact.js';

/** Options of {@link createRequestLogger}. */
export interface RequestLoggerOptions {
  /** @default 'info' */
  level?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Where lines go. @default stdout, buffered */
  destination?: DestinationStream;
  /**
   * Strings never to write (credentials), or a function giving them at each write (for a
   * list that changes); key-shaped strings are redacted too.
   */
  secrets: readonly string[] | (() => readonly string[]);
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
  /** Writes buffered lines out (await it before exiting); gives up after {@link FLUSH_WAIT_MS}. */
  flush(): Promise<void>;
}

/** Longest wait for buffered lines to be written at shutdown (a stdout nobody reads never drains). */
export const FLUSH_WAIT_MS = 2000;

/** Creates the request logger. */
export function createRequestLogger(options: RequestLoggerOptions): RequestLogger {
  // Buffered for throughput, but never held back longer than 250 ms (a quiet gateway's lines
  // show up at once, and a crash loses at most that much); the flush timer is unref'd.
  const destination = options.destination ?? pinoDestination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 250 });
  const clock = options.clock;
  const secrets = options.secrets;
  const redact = typeof secrets === 'function' ? (line: string) => redactSecrets(line, secrets()) : (line: string) => redactSecrets(line, secrets);
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      messageKey: 'msg',
      timestamp: isoTimestamps(clock),
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        // The last line of defence: no secret leaves, whatever field it hides in.
        streamWrite: redact,
      },
    },
    destination,
  );
  const timestamp = isoTimestamps(clock);
  /**
   * Request lines, the one line written per request, are built here rather than by pino:
   * their shape is fixed, and pino's generic serializer was a tenth of the gateway's CPU per
   * request. Same bytes as pino writes (level, timestamp, fields, msg; a lone surrogate is
   * escaped, `\ud800`, where pino wrote it raw and the wire got U+FFFD), same level filter,
   * same destination, same redaction, and the same metadata for a destination that routes
   * by it (`pino.multistream`).
   */
  const wantsMetadata = (destination as unknown as Record<symbol, unknown>)[Symbol.for('pino.metadata')] === true;
  const write = (fields: string) => {
    if (!logger.isLevelEnabled('info')) return;
    const time = timestamp();
    if (wantsMetadata) {
      Object.assign(destination, { lastLevel: logger.levels.values.info, lastObj: JSON.parse(`{${fields}}`) as unknown, lastMsg: 'request', lastTime: time.slice(time.indexOf(':') + 1), lastLogger: logger });
    }
    destination.write(redact(`{"level":"info"${time},${fields},"msg":"request"}\n`));
  };
  return {
    pino: logger,
    finished(event, status, override) {
      // Failed attempts; one cut short by the client is not a failure (a deadline's timeout is).
      let failed = 0;
      let upstream = '';
      for (const a of event.attempts) {
        if (a.kind !== 'ok' && a.kind !== 'aborted') failed++;
        upstream += `${upstream === '' ? '' : ','}{"provider":${json(a.provider)},"kind":${json(a.kind)},"status":${json(a.status)},"latency_ms":${json(Math.round(a.latencyMs))}}`;
      }
      const route = event.route.length > 200 ? `${event.route.slice(0, 200)}…` : event.route;
      const error = override !== undefined ? override.error : event.errorMessage;
      write(
        `"request_id":${json(event.requestId)},"route":${json(route)},"selected_provider":${json(event.answered ? event.provider : null)}` +
          `,"failover_attempts":${failed},"attempts":${event.attempts.length},"upstream":[${upstream}]` +
          `,"input_tokens":${json(event.inputTokens)},"output_tokens":${json(event.outputTokens)}` +
          (event.cachedInputTokens === undefined ? '' : `,"cached_input_tokens":${json(event.cachedInputTokens)}`) +
          (event.cacheWriteInputTokens === undefined ? '' : `,"cache_write_input_tokens":${json(event.cacheWriteInputTokens)}`) +
          `,"cost_usd":${json(event.costUsd)}` +
          `,"latency_ms":${json(Math.round(event.latencyMs))},"cache_hit":${event.cacheHit},"stream":${event.stream},"status":${json(status)}` +
          `,"outcome":${json(override?.outcome ?? event.status)}${error === undefined ? '' : `,"error":${json(error)}`}` +
          (event.warnings === undefined || event.warnings.length === 0 ? '' : `,"warnings":[${event.warnings.map(json).join(',')}]`),
      );
    },
    rejected(request) {
      write(
        `"request_id":${json(request.requestId)},"route":${json(request.route)},"selected_provider":null,"failover_attempts":0,"attempts":0,"upstream":[]` +
          `,"input_tokens":null,"output_tokens":null,"cost_usd":null,"latency_ms":${json(Math.round(request.latencyMs))},"cache_hit":false,"stream":null` +
          `,"status":${json(request.status)},"outcome":${json(request.code)},"error":${json(request.message)}`,
      );
    },
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    flush() {
      // Asynchronous and bounded: sonic-boom's flushSync retries forever once the reader of
      // stdout has gone (EPIPE, `serve | head`), which hung the shutdown.
      const stream = destination as { flush?: (done: (error?: Error) => void) => void };
      return new Promise<void>((resolve) => {
        const timer = clock.setTimeout(resolve, FLUSH_WAIT_MS);
        (timer as { unref?: () => void }).unref?.();
        const done = () => {
          clock.clearTimeout(timer);
          resolve();
        };
        try {
          if (typeof stream.flush === 'function') stream.flush(done);
          else done();
        } catch {
          done(); // not ready yet or already closed: nothing buffered to lose
        }
      });
    },
  };
}

/**
 * pino's `timestamp` option: `,"timestamp":"<ISO 8601>"`, the wall-clock time of `clock`. The date and time up to
 * the second are formatted once per second (every request writes a line; `toISOString` was a
 * few percent of the gateway's CPU).
 */
export function isoTimestamps(clock: Clock): () => string {
  let second = Number.NaN;
  let prefix = '';
  return () => {
    const now = Math.floor(wallTime(clock));
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

/** One JSON value: `null` for undefined or null (pino writes no `undefined`), and a number that is not finite. */
function json(value: string | number | boolean | null | undefined): string {
  return value === undefined || value === null || (typeof value === 'number' && !Number.isFinite(value)) ? 'null' : JSON.stringify(value);
}
