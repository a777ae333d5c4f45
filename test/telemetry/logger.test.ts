/** The request log's timestamps: the engine clock's time, in ISO 8601 as `toISOString` writes it. */
import fc from 'fast-check';
import { Writable } from 'node:stream';
import { multistream, pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { flushMicrotasks, VirtualClock } from '../../src/core/clock.js';
import type { RequestFinishedEvent } from '../../src/engine/events.js';
import type { AttemptRecord } from '../../src/core/errors.js';
import { createRequestLogger, FLUSH_WAIT_MS, isoTimestamps } from '../../src/telemetry/logger.js';

describe('flushing at shutdown', () => {
  it('waits for buffered lines, but never longer than FLUSH_WAIT_MS, and never loops in a sync flush', async () => {
    const clock = new VirtualClock(0);
    // A stdout whose reader has gone: its async flush never calls back, its sync flush would spin.
    const stuck = Object.assign(new Writable({ write: (_chunk, _e, done) => done() }), {
      flush: () => undefined,
      flushSync: () => {
        throw new Error('flushSync must not be used');
      },
    });
    let flushed = false;
    const pending = createRequestLogger({ clock, secrets: [], destination: stuck }).flush().then(() => void (flushed = true));
    await clock.advance(FLUSH_WAIT_MS - 1);
    expect(flushed).toBe(false);
    await clock.advance(1);
    await pending;
    // A destination that drains answers at once.
    const draining = Object.assign(new Writable({ write: (_chunk, _e, done) => done() }), { flush: (done: () => void) => done() });
    let drained = false;
    void createRequestLogger({ clock, secrets: [], destination: draining }).flush().then(() => void (drained = true));
    await flushMicrotasks();
    expect(drained).toBe(true);
  });
});

describe('request log timestamps', () => {
  it('match toISOString for any sequence of times, within a second and across seconds', () => {
    const time = fc.integer({ min: -62_000_000_000_000, max: 250_000_000_000_000 });
    fc.assert(
      fc.property(time, fc.array(fc.integer({ min: -1500, max: 1500 }), { maxLength: 20 }), (start, steps) => {
        let now = start;
        const stamp = isoTimestamps({ now: () => now, setTimeout: () => undefined, clearTimeout: () => undefined });
        for (const step of [0, ...steps]) {
          now += step;
          expect(stamp()).toBe(`,"timestamp":"${new Date(now).toISOString()}"`);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('come from the engine clock, whole milliseconds, in every log line', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const clock = new VirtualClock(Date.parse('2026-12-06T04:15:59.998Z'));
    const logger = createRequestLogger({ clock, secrets: [], destination });
    logger.info('one');
    await clock.advance(2.5); // a virtual clock may stand between milliseconds
    logger.info('two');
    await logger.flush();
    expect(lines.map((line) => (JSON.parse(line) as { timestamp: string }).timestamp)).toEqual(['2026-12-06T04:15:59.998Z', '2026-12-06T04:16:00.000Z']);
  });

  it('are the wall clock\'s when the engine clock has one (the real clock: monotonic engine time)', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const clock = Object.assign(new VirtualClock(1_000), { wallNow: () => Date.parse('2026-12-06T11:00:00.250Z') });
    const logger = createRequestLogger({ clock, secrets: [], destination });
    logger.rejected({ requestId: 'r1', status: 400, code: 'invalid_request', message: 'bad', latencyMs: 1 });
    await logger.flush();
    expect((JSON.parse(lines[0]!) as { timestamp: string }).timestamp).toBe('2026-12-06T11:00:00.250Z');
  });
});

/** A logger writing into `lines`, one string per line. */
function capture(secrets: string[] = []) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter((line) => line !== ''));
      done();
    },
  });
  const clock = new VirtualClock(Date.parse('2026-12-06T05:40:00.123Z'));
  return { lines, logger: createRequestLogger({ clock, secrets, destination }) };
}

describe('request log lines', () => {
  const text = fc.string({ unit: 'grapheme', maxLength: 12 });
  const count = fc.option(fc.integer({ min: 0, max: 1e7 }), { nil: undefined });
  const attempt: fc.Arbitrary<AttemptRecord> = fc.record({
    provider: text,
    kind: fc.constantFrom('ok', 'server_error', 'timeout', 'aborted', 'rate_limited'),
    status: fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }),
    latencyMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
  }) as fc.Arbitrary<AttemptRecord>;
  const event: fc.Arbitrary<RequestFinishedEvent> = fc.record({
    requestId: text,
    route: fc.string({ maxLength: 260 }),
    provider: fc.option(text, { nil: undefined }),
    answered: fc.boolean(),
    status: fc.constantFrom('ok', 'upstream_error', 'aborted', 'invalid_request'),
    attempts: fc.array(attempt, { maxLength: 4 }),
    inputTokens: count,
    outputTokens: count,
    cachedInputTokens: count,
    cacheWriteInputTokens: count,
    costUsd: fc.option(fc.double({ min: 0, max: 100, noNaN: true }), { nil: undefined }),
    latencyMs: fc.double({ min: 0, max: 1e6, noNaN: true }),
    stream: fc.boolean(),
    cacheHit: fc.boolean(),
    errorMessage: fc.option(text, { nil: undefined }),
    warnings: fc.option(fc.array(text, { maxLength: 3 }), { nil: undefined }),
    at: fc.constant(0),
  }) as fc.Arbitrary<RequestFinishedEvent>;

  it('are the bytes pino writes for the same fields, whatever the strings hold', () => {
    // The reference: pino itself, configured as the logger configures it, given the object
    // the logger used to hand it.
    const reference = (fields: Record<string, unknown>) => {
      const out: string[] = [];
      const sink = new Writable({ write: (chunk: Buffer, _e, done) => (out.push(chunk.toString()), done()) });
      const clock = new VirtualClock(Date.parse('2026-12-06T05:40:00.123Z'));
      pino({ base: undefined, messageKey: 'msg', timestamp: isoTimestamps(clock), formatters: { level: (label) => ({ level: label }) } }, sink).info(fields, 'request');
      return out.join('');
    };
    fc.assert(
      fc.property(event, fc.integer({ min: 200, max: 599 }), fc.boolean(), (finished, status, cut) => {
        const { lines, logger } = capture();
        const override = cut ? { outcome: 'shutting_down', error: 'cut "short"' } : undefined;
        logger.finished(finished, status, override);
        const error = cut ? 'cut "short"' : finished.errorMessage;
        const expected = reference({
          request_id: finished.requestId,
          route: finished.route.length > 200 ? `${finished.route.slice(0, 200)}…` : finished.route,
          selected_provider: finished.answered ? (finished.provider ?? null) : null,
          failover_attempts: finished.attempts.filter((a) => a.kind !== 'ok' && a.kind !== 'aborted').length,
          attempts: finished.attempts.length,
          upstream: finished.attempts.map((a) => ({ provider: a.provider, kind: a.kind, status: a.status ?? null, latency_ms: Math.round(a.latencyMs) })),
          input_tokens: finished.inputTokens ?? null,
          output_tokens: finished.outputTokens ?? null,
          ...(finished.cachedInputTokens === undefined ? {} : { cached_input_tokens: finished.cachedInputTokens }),
          ...(finished.cacheWriteInputTokens === undefined ? {} : { cache_write_input_tokens: finished.cacheWriteInputTokens }),
          cost_usd: finished.costUsd ?? null,
          latency_ms: Math.round(finished.latencyMs),
          cache_hit: finished.cacheHit,
          stream: finished.stream,
          status,
          outcome: cut ? 'shutting_down' : finished.status,
          ...(error === undefined ? {} : { error }),
          ...(finished.warnings === undefined || finished.warnings.length === 0 ? {} : { warnings: finished.warnings }),
        });
        expect(lines).toHaveLength(1);
        expect(`${lines[0]!}\n`).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('reach the right streams of a pino.multistream (which routes by the level pino records)', () => {
    const into = (lines: string[]) => new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(...chunk.toString().split('\n').filter(Boolean)), done()) });
    const info: string[] = [];
    const warn: string[] = [];
    const destination = multistream([{ level: 'info', stream: into(info) }, { level: 'warn', stream: into(warn) }]);
    const logger = createRequestLogger({ clock: new VirtualClock(), secrets: [], destination });
    logger.rejected({ requestId: 'a', status: 400, code: 'invalid_request', message: 'm', latencyMs: 1 });
    logger.warn('w');
    logger.rejected({ requestId: 'b', status: 400, code: 'invalid_request', message: 'm', latencyMs: 1 });
    expect(info.map((line) => (JSON.parse(line) as { request_id?: string; msg: string }).request_id ?? (JSON.parse(line) as { msg: string }).msg)).toEqual(['a', 'w', 'b']);
    expect(warn.map((line) => (JSON.parse(line) as { msg: string }).msg)).toEqual(['w']);
  });

  it('of refused requests carry the same fields, with nulls for what was never known', () => {
    const { lines, logger } = capture();
    logger.rejected({ requestId: 'r-1', status: 401, code: 'invalid_api_key', message: 'no "key"', latencyMs: 0.6 });
    expect(JSON.parse(lines[0]!)).toEqual({
      level: 'info', timestamp: '2026-12-06T05:40:00.123Z', request_id: 'r-1', route: null, selected_provider: null, failover_attempts: 0, attempts: 0, upstream: [],
      input_tokens: null, output_tokens: null, cost_usd: null, latency_ms: 1, cache_hit: false, stream: null, status: 401, outcome: 'invalid_api_key', error: 'no "key"', msg: 'request',
    });
  });

  it('are redacted and follow the level', async () => {
    const loud = capture(['canary-secret-value']);
    loud.logger.rejected({ requestId: 'sk-live-abcdefghijkl', status: 400, code: 'invalid_request', message: 'echo canary-secret-value', latencyMs: 1 });
    expect(loud.lines[0]).not.toContain('canary-secret-value');
    expect(loud.lines[0]).not.toContain('sk-live-abcdefghijkl');
    expect(loud.lines[0]).toContain('[REDACTED]');
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(chunk.toString()), done()) });
    const quiet = createRequestLogger({ clock: new VirtualClock(), secrets: [], destination, level: 'warn' });
    quiet.rejected({ requestId: 'r', status: 400, code: 'invalid_request', message: 'm', latencyMs: 1 });
    quiet.warn('kept');
    await quiet.flush();
    expect(lines.join('')).not.toContain('"msg":"request"');
    expect(lines.join('')).toContain('"msg":"kept"');
  });
});
