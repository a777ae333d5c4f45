/**
 * The deterministic text of a simulated answer, as a list of tokens (one word each) so that
 * streaming, usage and `max_tokens` all count the same thing.
 */
import type { FinishReason } from '../../core/types.js';

/** Tokens in a simulated answer when the request sets no `maxTokens`. */
export const ANSWER_TOKENS = 64;

const FILLER = ['The', 'quick', 'brown', 'fox', 'jumps', 'over', 'the', 'lazy', 'dog.'].map((word) => ` ${word}`);

/**
 * The tokens of answer number `n` from `provider`. Without `maxTokens` the answer has
 * {@link ANSWER_TOKENS} tokens and stops; with it, the model writes until the limit (exactly
 * `maxTokens` tokens, finish reason `length`), so usage and cost follow the request's size.
 */
export function answerTokens(provider: string, n: number, maxTokens: number | undefined): { tokens: string[]; finishReason: FinishReason } {
  const limit = maxTokens === undefined ? ANSWER_TOKENS : Math.max(0, Math.floor(maxTokens));
  const tokens = ['Simulated', ' answer', ' from', ` ${provider}`, ` (#${n}).`].slice(0, limit);
  for (let i = 0; tokens.length < limit; i++) tokens.push(FILLER[i % FILLER.length]!);
  const finishReason: FinishReason = maxTokens === undefined ? { unified: 'stop', raw: 'stop' } : { unified: 'length', raw: 'length' };
  return { tokens, finishReason };
}
