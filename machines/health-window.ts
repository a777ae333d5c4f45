/**
 * A bounded sliding window of call outcomes: a ring of time buckets. Pure and immutable:
 * every update returns a new small window; recording and totalling are O(buckets), a constant.
 */

/** Outcomes of the calls that started in one time slice. */
export interface WindowBucket {
  /** Index of the slice since time 0 (`floor(at / bucketMs)`); -1 when never used. */
  readonly slice: number;
  readonly calls: number;
  readonly failures: number;
  readonly slow: number;
}

/** The ring of buckets and the width of one bucket. */
export interface HealthWindow {
  readonly bucketMs: number;
  readonly buckets: readonly WindowBucket[];
}

/** One recorded outcome. */
export interface WindowOutcome {
  failed: boolean;
  slow: boolean;
}

/** Totals over the live part of the window. */
export interface WindowTotals {
  calls: number;
  failures: number;
  slow: number;
}

const UNUSED: WindowBucket = { slice: -1, calls: 0, failures: 0, slow: 0 };

/**
 * An empty window covering `windowMs` with `bucketCount` buckets.
 * @default windowMs 60000, bucketCount 10
 */
export function emptyWindow(windowMs = 60_000, bucketCount = 10): HealthWindow {
  const count = Math.max(1, Math.floor(bucketCount));
  return { bucketMs: Math.max(1, Math.ceil(windowMs / count)), buckets: Array.from({ length: count }, () => UNUSED) };
}

/**
 * Adds one outcome at time `at`, recycling the bucket of an expired slice. An outcome older
 * than everything the ring holds for its bucket is already expired and is dropped.
 */
export function recordOutcome(window: HealthWindow, at: number, outcome: WindowOutcome): HealthWindow {
  const slice = Math.floor(Math.max(0, at) / window.bucketMs);
  const index = slice % window.buckets.length;
  const current = window.buckets[index] ?? UNUSED;
  if (current.slice > slice) return window;
  const base = current.slice === slice ? current : { ...UNUSED, slice };
  const next: WindowBucket = {
    slice,
    calls: base.calls + 1,
    failures: base.failures + (outcome.failed ? 1 : 0),
    slow: base.slow + (outcome.slow ? 1 : 0),
  };
  const buckets = window.buckets.slice();
  buckets[index] = next;
  return { bucketMs: window.bucketMs, buckets };
}

/**
 * Totals of the buckets whose slice lies wholly inside `(at - windowMs, at]`: every outcome
 * younger than `windowMs - bucketMs` counts and none older than `windowMs`, whether or not
 * `windowMs` is a multiple of the bucket width. Buckets from the future do not count.
 */
export function windowTotals(window: HealthWindow, at: number, windowMs: number): WindowTotals {
  const now = Math.floor(Math.max(0, at) / window.bucketMs);
  // The oldest slice that starts after `at - windowMs` (at most the ring's length back).
  const oldest = Math.max(now - window.buckets.length + 1, Math.floor((at - windowMs) / window.bucketMs) + 1);
  let calls = 0;
  let failures = 0;
  let slow = 0;
  for (const bucket of window.buckets) {
    if (bucket.slice > now || bucket.slice < oldest) continue;
    calls += bucket.calls;
    failures += bucket.failures;
    slow += bucket.slow;
  }
  return { calls, failures, slow };
}
