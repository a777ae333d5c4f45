/**
 * Prompt-cache counts on a unified {@link Usage}: the share of the input read from or written
 * to a provider's prompt cache, which is billed at its own price (`costOf`).
 */
import type { Usage } from '../../core/types.js';

/**
 * `usage` with the cache counts the provider reported, both parts of `inputTokens`. A count
 * the provider did not report is left out (unknown, never 0); counts that do not fit in the
 * input (an unknown input, or a compatible server whose numbers do not add up) are all left
 * out, so that the input is priced as plain input rather than wrongly split.
 */
export function withCacheCounts(usage: Usage, reads: number | null | undefined, writes: number | null | undefined): Usage {
  const input = usage.inputTokens;
  if (input === undefined || (reads ?? 0) + (writes ?? 0) > input) return usage;
  const counted: Usage = { ...usage };
  if (reads != null) counted.cachedInputTokens = reads;
  if (writes != null) counted.cacheWriteInputTokens = writes;
  return counted;
}
