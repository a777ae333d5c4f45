/**
 * The deterministic text of a simulated answer, counted in tokens (one word each) so that
 * streaming, usage and `max_tokens` all count the same thing. The text is sliced from one
 * precomputed string rather than joined word by word: the simulator builds hundreds of
 * thousands of answers per run.
 */
import type { FinishReason } from '../../core/types.js';

/** Tokens in a simulated answer when the request sets no `maxTokens`. */
export const ANSWER_TOKENS = 64;

const FILLER = ['The', 'quick', 'brown', 'fox', 'jumps', 'over', 'the', 'lazy', 'dog.'].map((word) => ` ${word}`);
const CYCLE = FILLER.join('');
/** Offset of each filler word in {@link CYCLE}, plus its length at the end. */
const OFFSETS = FILLER.reduce<number[]>((offsets, word) => [...offsets, offsets.at(-1)! + word.length], [0]);
/** Enough filler for the common answer sizes without building a string per answer. */
const PRECOMPUTED = CYCLE.repeat(64);

/** Character offset of filler token `i` in the endless repetition of {@link CYCLE}. */
function fillerOffset(i: number): number {
  return Math.floor(i / FILLER.length) * CYCLE.length + OFFSETS[i % FILLER.length]!;
}

/** Filler tokens `[from, to)` as text. */
function fillerText(from: number, to: number): string {
  if (to <= from) return '';
  const start = fillerOffset(from);
  const end = fillerOffset(to);
  if (end <= PRECOMPUTED.length) return PRECOMPUTED.slice(start, end);
  const skip = Math.floor(start / CYCLE.length) * CYCLE.length;
  return CYCLE.repeat(Math.ceil((end - skip) / CYCLE.length)).slice(start - skip, end - skip);
}

/** One simulated answer: its size in tokens, why it stopped, and its text by token range. */
export interface SimulatedAnswer {
  tokens: number;
  finishReason: FinishReason;
  /** The text of tokens `[from, to)` (clamped to the answer). */
  text(from?: number, to?: number): string;
}

const STOP: FinishReason = { unified: 'stop', raw: 'stop' };
const LENGTH: FinishReason = { unified: 'length', raw: 'length' };

/**
 * Answer number `n` from `provider`: a short heading naming both, then filler. Without
 * `maxTokens` the answer has {@link ANSWER_TOKENS} tokens and stops; with it, the model writes
 * until the limit (exactly `maxTokens` tokens, finish reason `length`), so usage and cost
 * follow the request's size.
 */
export function simulatedAnswer(provider: string, n: number, maxTokens: number | undefined): SimulatedAnswer {
  const tokens = maxTokens === undefined ? ANSWER_TOKENS : Math.max(0, Math.floor(maxTokens));
  const heading = ['Simulated', ' answer', ' from', ` ${provider}`, ` (#${n}).`].slice(0, tokens);
  const h = heading.length;
  return {
    tokens,
    finishReason: { ...(maxTokens === undefined ? STOP : LENGTH) },
    text(from = 0, to = tokens) {
      const end = Math.min(to, tokens);
      const head = from < h ? heading.slice(from, Math.min(end, h)).join('') : '';
      return head + fillerText(Math.max(from, h) - h, end - h);
    },
  };
}
