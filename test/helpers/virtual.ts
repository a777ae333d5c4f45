/**
 * Drives a promise to completion on a virtual clock: advances time step by step (to the
 * next timer) until the promise settles, with a bound so a bug cannot loop forever.
 */
import type { VirtualClock } from '../../src/core/clock.js';
import { flushMicrotasks } from '../../src/core/clock.js';

export async function settle<T>(clock: VirtualClock, promise: Promise<T>, limitMs = 3_600_000): Promise<T> {
  let done = false;
  const tracked = promise.finally(() => {
    done = true;
  });
  tracked.catch(() => undefined);
  const stop = clock.now() + limitMs;
  await flushMicrotasks();
  while (!done) {
    const next = clock.nextDeadline();
    if (next === undefined || next > stop) {
      await flushMicrotasks(50);
      if (!done) throw new Error(`promise did not settle within ${limitMs} virtual ms (pending timers: ${clock.pending})`);
      break;
    }
    await clock.advance(Math.max(0, next - clock.now()));
  }
  return tracked;
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
