/** The request log's timestamps: the engine clock's time, in ISO 8601 as `toISOString` writes it. */
import fc from 'fast-check';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { createRequestLogger, isoTimestamps } from '../../src/telemetry/logger.js';

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
    logger.flush();
    expect(lines.map((line) => (JSON.parse(line) as { timestamp: string }).timestamp)).toEqual(['2026-12-06T04:15:59.998Z', '2026-12-06T04:16:00.000Z']);
  });
});
