/**
 * The engine-wide retry budget (Linkerd's): retries in the recent window must stay below
 * `ratio` × requests in that window plus a floor of `minPerSecond`, so a struggling upstream
 * is not hit by a retry storm. Counts live in a ring of time buckets: bounded memory, O(1).
 */

/** Budget settings, as in `routing.retryBudget`. */
export interface RetryBudgetOptions {
  /** Retries allowed per original request in the window. @default 0.2 */
  ratio: number;
  /** Retries always allowed per second of window, whatever the traffic. @default 10 */
  minPerSecond: number;
}

/** What the window holds right now. */
export interface RetryBudgetStats {
  requests: number;
  retries: number;
  /** Retries the window allows in total: ratio × requests + minPerSecond × window seconds. */
  allowance: number;
}

/** A retry budget; every method takes the current clock time in ms. */
export interface RetryBudget {
  /** Counts one client request (once per request, not per attempt). */
  recordRequest(now: number): void;
  /** True when one more retry stays within the budget. */
  canRetry(now: number): boolean;
  /** Counts one retry (an attempt after the first). */
  recordRetry(now: number): void;
  /** The window's counts, for metrics and tests. */
  stats(now: number): RetryBudgetStats;
}

/**
 * Creates a retry budget over a sliding window of `windowMs`, kept as `buckets` slices; the
 * window is the current slice and the `buckets - 1` before it.
 */
export function createRetryBudget(options: RetryBudgetOptions, windowMs = 10_000, buckets = 10): RetryBudget {
  const bucketCount = Math.max(1, Math.floor(buckets));
  const bucketMs = windowMs / bucketCount;
  const floor = options.minPerSecond * (windowMs / 1000);
  const requests = new Float64Array(bucketCount);
  const retries = new Float64Array(bucketCount);
  let requestTotal = 0;
  let retryTotal = 0;
  let current = 0;
  let started = false;

  /** Moves the window to `now`'s bucket, dropping the slices that fell out. A clock going back stays in the current slice. */
  const advance = (now: number): number => {
    const bucket = Math.floor(now / bucketMs);
    if (!started || bucket - current >= bucketCount) {
      requests.fill(0);
      retries.fill(0);
      requestTotal = 0;
      retryTotal = 0;
      started = true;
      current = bucket;
    } else {
      for (; current < bucket; ) {
        current++;
        const slot = slotOf(current);
        requestTotal -= requests[slot]!;
        retryTotal -= retries[slot]!;
        requests[slot] = 0;
        retries[slot] = 0;
      }
    }
    return slotOf(current);
  };
  const slotOf = (bucket: number): number => ((bucket % bucketCount) + bucketCount) % bucketCount;
  const allowance = (): number => options.ratio * requestTotal + floor;

  return {
    recordRequest(now) {
      const slot = advance(now);
      requests[slot]!++;
      requestTotal++;
    },
    canRetry(now) {
      advance(now);
      return retryTotal < allowance();
    },
    recordRetry(now) {
      const slot = advance(now);
      retries[slot]!++;
      retryTotal++;
    },
    stats(now) {
      advance(now);
      return { requests: requestTotal, retries: retryTotal, allowance: allowance() };
    },
  };
}
