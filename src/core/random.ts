/**
 * Seeded randomness. Every random choice in Switchyard (jitter, weighted picks, simulated
 * latency and faults) draws from a {@link Random}, so a seed reproduces a run exactly.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** Mulberry32: a small, fast, well-distributed 32-bit generator. Any safe integer is a seed (see {@link withHighPart}). */
export function createRandom(seed: number): Random {
  let state = withHighPart(seed >>> 0, seed);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable 32-bit hash of a string (FNV-1a), to derive per-name seeds from one seed (any safe integer). */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return withHighPart(hash, seed);
}

/**
 * `value` (derived from the low 32 bits of `seed`) with the rest of the seed mixed in, so that
 * seeds equal in their low 32 bits (5 and 2^32 + 5, 2^31 and -2^31) differ. Seeds 0..2^32-1
 * have no rest: their runs stay as they always were.
 */
function withHighPart(value: number, seed: number): number {
  const high = Math.floor(seed / 4294967296);
  if (high === 0 || !Number.isFinite(high)) return value;
  // One step of FNV-1a over the whole high word: for a given value, distinct high parts give distinct results.
  return Math.imul(value ^ (high >>> 0), 0x01000193) >>> 0;
}

/** A generator for `name`, independent of other names' generators under the same seed. */
export function deriveRandom(seed: number, name: string): Random {
  return createRandom(hashString(name, seed));
}
