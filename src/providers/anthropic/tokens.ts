/**
 * Prompt-token estimation for Claude models. Anthropic publishes no JS tokenizer (exact
 * counts need the `count_tokens` endpoint, a network call), so this is a documented heuristic:
 * about 3.5 characters per token for English text and code (Claude's tokenizer is a little
 * denser than OpenAI's o200k), a few framing tokens per message, Anthropic's published cost of
 * an image (width × height / 750, at most about 1,600 for a resized image; sizes are unknown
 * here, so the cap is used), and the tool-use system prompt Anthropic adds when tools are set.
 */
import { promptSize } from '../../core/tokens.js';
import type { ChatRequest } from '../../core/types.js';

const CHARS_PER_TOKEN = 3.5;
const TOKENS_PER_MESSAGE = 4;
/** The largest image after Anthropic's automatic resize (~1.15 megapixels / 750). */
const TOKENS_PER_IMAGE = 1600;
/** Anthropic's documented tool-use system prompt (346 tokens for `auto`/`none`, 313 for `any`/`tool`). */
const TOOL_SYSTEM_PROMPT = 346;

/** Estimated prompt tokens of `request` for a Claude model (tools included). */
export function estimateTokens(request: ChatRequest): number {
  const { chars, images, messages } = promptSize(request);
  let total = Math.ceil(chars / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE * messages + TOKENS_PER_IMAGE * images;
  if (request.tools !== undefined && request.tools.length > 0) {
    total += TOOL_SYSTEM_PROMPT + Math.ceil(JSON.stringify(request.tools).length / CHARS_PER_TOKEN);
  }
  return total;
}
