/**
 * Prompt-token estimation for models served by Ollama. Their tokenizers differ (Llama, Qwen,
 * Gemma, Mistral…) and none ships with Switchyard, so this is a documented heuristic: the core
 * estimate (about four characters per token plus four of framing per message), plus the
 * serialized tool definitions at the same rate and a flat cost per image.
 */
import { promptSize, tokensOfSize } from '../../core/tokens.js';
import type { ChatRequest } from '../../core/types.js';

const CHARS_PER_TOKEN = 4;
/** A CLIP-style vision encoder's patch count (LLaVA at 336 px); other encoders vary. */
const TOKENS_PER_IMAGE = 576;

/** Estimated prompt tokens of `request` for a model served by Ollama (tools and images included). */
export function estimateTokens(request: ChatRequest): number {
  const size = promptSize(request);
  let total = tokensOfSize(size) + size.images * TOKENS_PER_IMAGE;
  if (request.tools !== undefined && request.tools.length > 0) total += Math.ceil(JSON.stringify(request.tools).length / CHARS_PER_TOKEN);
  return total;
}
