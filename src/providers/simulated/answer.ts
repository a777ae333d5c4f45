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
 * follow the request's size. A `stop` sequence the answer contains ends it just before the
 * first one (finish reason `stop`; the sequence itself is not sent, as with OpenAI).
 */
export function simulatedAnswer(provider: string, n: number, maxTokens: number | undefined, stop?: readonly string[]): SimulatedAnswer {
  const tokens = maxTokens === undefined ? ANSWER_TOKENS : Math.max(0, Math.floor(maxTokens));
  const heading = ['Simulated', ' answer', ' from', ` ${provider}`, ` (#${n}).`].slice(0, tokens);
  const h = heading.length;
  const text = (from = 0, to = tokens) => {
    const end = Math.min(to, tokens);
    const head = from < h ? heading.slice(from, Math.min(end, h)).join('') : '';
    return head + fillerText(Math.max(from, h) - h, end - h);
  };
  const answer: SimulatedAnswer = { tokens, finishReason: { ...(maxTokens === undefined ? STOP : LENGTH) }, text };
  return stop === undefined || stop.length === 0 ? answer : stoppedAt(answer, heading, stop);
}

/** `answer` ended before the first of `stop` it contains (a token cut midway counts), or `answer` itself. */
function stoppedAt(answer: SimulatedAnswer, heading: readonly string[], stop: readonly string[]): SimulatedAnswer {
  const full = answer.text();
  const cut = Math.min(...stop.filter((s) => s !== '').map((s) => full.indexOf(s)).filter((at) => at >= 0));
  if (cut === Infinity) return answer;
  const headLength = heading.join('').length;
  /** Character offset of token `i` in the answer. */
  const start = (i: number) => (i <= heading.length ? heading.slice(0, i).join('').length : headLength + fillerOffset(i - heading.length));
  // Tokens that start before the cut, found by bisection (offsets grow with the token index).
  let low = 0;
  let high = answer.tokens;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (start(middle - 1) < cut) low = middle;
    else high = middle - 1;
  }
  const tokens = low;
  return {
    tokens,
    finishReason: { ...STOP },
    text(from = 0, to = tokens) {
      const first = Math.min(from, tokens);
      return answer.text(first, Math.min(to, tokens)).slice(0, Math.max(0, cut - start(first)));
    },
  };
}
