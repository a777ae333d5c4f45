/**
 * Token estimation before a call, for the context-window filter and lowest-cost routing.
 * A documented heuristic (about four characters per token for English text, plus a few
 * tokens of framing per message); adapters may refine it with a real tokenizer.
 */
import type { ChatRequest } from './types.js';

const CHARS_PER_TOKEN = 4;
const TOKENS_PER_MESSAGE = 4;

/** Estimated prompt tokens of `request`. */
export function estimateInputTokens(request: ChatRequest): number {
  let chars = 0;
  for (const message of request.messages) {
    const content = message.content;
    if (typeof content === 'string') chars += content.length;
    else if (content !== null) for (const part of content) if (part.type === 'text') chars += part.text.length;
    for (const call of message.toolCalls ?? []) chars += call.name.length + call.arguments.length;
  }
  return Math.ceil(chars / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE * request.messages.length;
}

/** Output tokens to plan for when the request does not cap them. */
export const DEFAULT_OUTPUT_TOKENS = 256;

/** Estimated output tokens of `request`. */
export function estimateOutputTokens(request: ChatRequest): number {
  return request.maxTokens ?? DEFAULT_OUTPUT_TOKENS;
}
