import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDuration, parseRetryAfter, retryAfterFromHeaders } from '../../../src/providers/shared/retry-after.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

/** Formats milliseconds the way OpenAI's headers do (`6m0s`, `1.5s`, `20ms`). */
function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

describe('parseDuration', () => {
  it.each([
    ['1s', 1000],
    ['6m0s', 360_000],
    ['20ms', 20],
    ['1h2m3.5s', 3_723_500],
    ['0.5s', 500],
    ['150us', 1],
    ['', undefined],
    ['10', undefined],
    ['1x', undefined],
    ['-1s', undefined],
  ])('%j → %j', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it('round-trips any whole number of milliseconds in Go notation', () => {
    fc.assert(fc.property(fc.nat(100 * 3_600_000), (ms) => {
        expect(parseDuration(goDuration(ms))).toBe(ms);
      }));
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates relative to now; past dates give 0; garbage gives undefined', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7000);
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
    expect(parseRetryAfter(new Date(NOW + 30_000).toUTCString(), NOW)).toBe(30_000);
    expect(parseRetryAfter(new Date(NOW - 30_000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
    expect(parseRetryAfter('-3', NOW)).toBeUndefined();
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
  });

  it('is never negative and seconds scale exactly', () => {
    fc.assert(
      fc.property(fc.nat(1_000_000), fc.integer({ min: -1e9, max: 1e9 }), (seconds, offset) => {
        expect(parseRetryAfter(String(seconds), NOW)).toBe(seconds * 1000);
        const date = parseRetryAfter(new Date(NOW + offset * 1000).toUTCString(), NOW)!;
        expect(date).toBe(Math.max(0, offset * 1000));
      }),
    );
  });
});

describe('retryAfterFromHeaders', () => {
  const h = (init: Record<string, string>) => new Headers(init);
  it('prefers retry-after-ms, then Retry-After, then the exhausted x-ratelimit-reset-*', () => {
    expect(retryAfterFromHeaders(h({ 'retry-after-ms': '250', 'retry-after': '9' }), NOW)).toBe(250);
    expect(retryAfterFromHeaders(h({ 'retry-after': '9', 'x-ratelimit-reset-requests': '1s' }), NOW)).toBe(9000);
    expect(
      retryAfterFromHeaders(h({ 'x-ratelimit-remaining-requests': '3', 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-remaining-tokens': '0', 'x-ratelimit-reset-tokens': '6m0s' }), NOW),
    ).toBe(360_000);
    expect(retryAfterFromHeaders(h({ 'x-ratelimit-reset-requests': '2s', 'x-ratelimit-reset-tokens': '20ms' }), NOW)).toBe(20);
    expect(retryAfterFromHeaders(h({}), NOW)).toBeUndefined();
  });
});
