/**
 * Waits on the engine's clock that end early, with an `aborted` {@link ProviderError}, when
 * the call's signal aborts. They never leave a timer or a listener behind.
 */
import type { Clock } from '../../core/clock.js';
import { ProviderError } from '../../core/errors.js';

/** The error a simulated call ends with when its signal aborts. */
export function abortedError(provider: string, reason: unknown): ProviderError {
  return new ProviderError({ provider, kind: 'aborted', message: 'call aborted', cause: reason });
}

/**
 * Resolves after `ms` on `clock`; rejects with {@link abortedError} as soon as `signal`
 * aborts. One promise, one timer and one listener per wait (the simulator makes millions).
 */
export function pause(clock: Clock, ms: number, signal: AbortSignal, provider: string): Promise<void> {
  if (signal.aborted) return Promise.reject(abortedError(provider, signal.reason));
  // A zero-latency provider answers without a timer, so benchmarks measure the engine alone.
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(abortedError(provider, signal.reason));
    };
    const handle = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Never resolves; rejects with {@link abortedError} when `signal` aborts (no timer involved). */
export function untilAborted(signal: AbortSignal, provider: string): Promise<never> {
  return new Promise((_resolve, reject) => {
    const fail = () => reject(abortedError(provider, signal.reason));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}
