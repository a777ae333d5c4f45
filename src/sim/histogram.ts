/**
 * A latency histogram in fixed memory: logarithmic buckets with about 1 % relative error,
 * from 1 ms to about 10⁷ ms (values outside are clamped). Recording is O(1), a quantile is
 * O(buckets), and memory does not grow with the number of samples.
 */

/** Each bucket's upper bound is this factor times the previous one. */
const GROWTH = 1.02;
const LOG_GROWTH = Math.log(GROWTH);
/** Enough buckets to reach ~10⁷ ms (about 2.8 hours). */
const BUCKETS = Math.ceil(Math.log(1e7) / LOG_GROWTH) + 2;

/** A fixed-size log histogram of non-negative values (milliseconds). */
export class LogHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private max = 0;

  /** Records one value; negative and non-finite values count as 0 and the largest bucket. */
  record(value: number): void {
    const v = Number.isFinite(value) ? Math.max(0, value) : 1e7;
    this.counts[bucketOf(v)]! += 1;
    this.total += 1;
    if (v > this.max) this.max = v;
  }

  /** Samples recorded. */
  get count(): number {
    return this.total;
  }

  /**
   * The value at quantile `q` (0..1): the upper bound of the bucket holding it, never above
   * the largest value seen; 0 when empty.
   */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, upperBound(i));
    }
    return this.max;
  }
}

/** Bucket 0 holds [0, 1] ms; bucket i > 0 holds (GROWTH^(i-1), GROWTH^i]. */
function bucketOf(value: number): number {
  if (value <= 1) return 0;
  return Math.min(BUCKETS - 1, Math.ceil(Math.log(value) / LOG_GROWTH));
}

function upperBound(bucket: number): number {
  return bucket === 0 ? 1 : GROWTH ** bucket;
}
