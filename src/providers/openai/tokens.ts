/**
 * Prompt-token estimation for OpenAI-family models with `gpt-tokenizer` (o200k_base, the
 * encoding of gpt-4o, gpt-4.1, o-series and gpt-5; older models differ by a few percent).
 *
 * The tokenizer's tables take about a quarter of a second to load, so they are loaded when
 * an OpenAI adapter is created ({@link loadTokenizer}), not when this module is imported:
 * a gateway or simulation without OpenAI providers never pays for them.
 */
import { createRequire } from 'node:module';
import type { ChatRequest } from '../../core/types.js';

const requireCjs = createRequire(import.meta.url);
let counter: ((text: string) => number) | undefined;

/** Loads the tokenizer once (synchronously) and returns its counter. */
export function loadTokenizer(): (text: string) => number {
  counter ??= (requireCjs('gpt-tokenizer') as typeof import('gpt-tokenizer')).countTokens;
  return counter;
}

function countTokens(text: string): number {
  return (counter ?? loadTokenizer())(text);
}

/** Framing tokens per message and for priming the reply (OpenAI's published counting recipe). */
const TOKENS_PER_MESSAGE = 3;
const REPLY_PRIMING = 3;
/** An image at `detail: low`: a flat 85 tokens. */
const TOKENS_PER_LOW_DETAIL_IMAGE = 85;
/**
 * An image at `high` or `auto` detail (the default, which picks high for all but small
 * images), whose size is unknown here: 85 + 170 per 512-pixel tile, 765 for a 1024×1024
 * image (more for larger ones, up to 1,445 for 768×2048).
 */
const TOKENS_PER_IMAGE = 765;

/** Estimated prompt tokens of `request` for an OpenAI model (tools included). */
export function estimateTokens(request: ChatRequest): number {
  let total = REPLY_PRIMING;
  for (const message of request.messages) {
    total += TOKENS_PER_MESSAGE + countTokens(message.role);
    if (message.name !== undefined) total += 1 + countTokens(message.name);
    const content = message.content;
    if (typeof content === 'string') total += countTokens(content);
    else if (content !== null) {
      for (const part of content) {
        if (part.type === 'text') total += countTokens(part.text);
        else total += part.detail === 'low' ? TOKENS_PER_LOW_DETAIL_IMAGE : TOKENS_PER_IMAGE;
      }
    }
    for (const call of message.toolCalls ?? []) total += countTokens(call.name) + countTokens(call.arguments);
  }
  if (request.tools !== undefined && request.tools.length > 0) total += countTokens(JSON.stringify(request.tools));
  return total;
}
