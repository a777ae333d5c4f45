/**
 * Prompt-token estimation for Gemini models. Google ships no offline tokenizer for Gemini
 * (exact counts need the `countTokens` endpoint, a network call), so this is a documented
 * heuristic from Google's own guidance: about four characters per token, a few framing tokens
 * per turn, and 258 tokens per image (an image up to 384×384 px; larger ones are tiled into
 * 768×768 tiles of 258 tokens each, and their size is unknown here, so one tile is counted).
 */
import { promptSize } from '../../core/tokens.js';
import type { ChatRequest } from '../../core/types.js';

const CHARS_PER_TOKEN = 4;
const TOKENS_PER_MESSAGE = 4;
const TOKENS_PER_IMAGE = 258;

/** Estimated prompt tokens of `request` for a Gemini model (tool declarations included). */
export function estimateTokens(request: ChatRequest): number {
  const size = promptSize(request);
  let chars = size.chars;
  if (request.tools !== undefined && request.tools.length > 0) chars += JSON.stringify(request.tools).length;
  return Math.ceil(chars / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE * size.messages + TOKENS_PER_IMAGE * size.images;
}
