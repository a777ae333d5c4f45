/**
 * The deterministic text of a simulated answer, as a list of tokens (one word each) so that
 * streaming, usage and `max_tokens` all count the same thing.
 */
import type { FinishReason } from '../../core/types.js';

/** Tokens in a simulated answer that `maxTokens` does not cut. */
export const ANSWER_TOKENS = 64;

const FILLER = ['The', 'quick', 'brown', 'fox', 'jumps', 'over', 'the', 'lazy', 'dog.'];

/** The tokens of answer number `n` from `provider`, cut at `maxTokens` (then `length`). */
export function answerTokens(provider: string, n: number, maxTokens: number | undefined): { tokens: string[]; finishReason: FinishReason } {
  const words = ['Simulated', 'answer', 'from', provider, `(#${n}).`];
  for (let i = 0; words.length < ANSWER_TOKENS; i++) words.push(FILLER[i % FILLER.length]!);
  const tokens = words.map((word, i) => (i === 0 ? word : ` ${word}`));
  const limit = Math.max(0, Math.floor(maxTokens ?? ANSWER_TOKENS));
  if (limit >= tokens.length) return { tokens, finishReason: { unified: 'stop', raw: 'stop' } };
  return { tokens: tokens.slice(0, limit), finishReason: { unified: 'length', raw: 'length' } };
}
