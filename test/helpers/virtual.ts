/**
 * Drives a promise to completion on a virtual clock: advances time step by step (to the
 * next timer) until the promise settles, with a bound so a bug cannot loop forever.
 */
import type { VirtualClock } from '../../src/core/clock.js';

/** {@link VirtualClock.settle}, as a function (what the tests were written against). */
export function settle<T>(clock: VirtualClock, promise: Promise<T>, limitMs = 3_600_000): Promise<T> {
  return clock.settle(promise, limitMs);
}

/** Collects a stream's parts, driving the clock. */
export async function collect<T>(clock: VirtualClock, iterable: AsyncIterable<T>): Promise<T[]> {
  const parts: T[] = [];
  const run = (async () => {
    for await (const part of iterable) parts.push(part);
  })();
  await settle(clock, run);
  return parts;
}
