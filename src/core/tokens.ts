/**
 * Token estimation before a call, for the context-window filter and lowest-cost routing.
 * A documented heuristic (about four characters per token for English text, plus a few
 * tokens of framing per message); adapters may refine it with a real tokenizer.
 */
import type { ChatRequest } from './types.js';

const CHARS_PER_TOKEN = 4;
const TOKENS_PER_MESSAGE = 4;
/**
 * An image of unknown size: OpenAI's count for a 1024×1024 image at high detail, between
 * Gemini's 258 and the 1,600 of Anthropic's largest (each adapter's estimator has its own).
 */
const TOKENS_PER_IMAGE = 765;

/** What a prompt is made of, for the estimators: text, tool calls and images. */
export interface PromptSize {
  /** Characters of text content and of tool calls (names and arguments). */
  chars: number;
  /** Image parts. */
  images: number;
  messages: number;
}

/** Measures the messages of `request` (tool definitions are left to each estimator). */
export function promptSize(request: ChatRequest): PromptSize {
  let chars = 0;
  let images = 0;
  for (const message of request.messages) {
    const content = message.content;
    if (typeof content === 'string') chars += content.length;
    else if (content !== null) {
      for (const part of content) {
        if (part.type === 'text') chars += part.text.length;
        else images += 1;
      }
    }
    for (const call of message.toolCalls ?? []) chars += call.name.length + call.arguments.length;
  }
  return { chars, images, messages: request.messages.length };
}

/** The core heuristic on a measured prompt: text and framing (images and tools not counted). */
export function tokensOfSize(size: PromptSize): number {
  return Math.ceil(size.chars / CHARS_PER_TOKEN) + TOKENS_PER_MESSAGE * size.messages;
}

/** Estimated prompt tokens of `request`: its text, framing and images (tool definitions not counted). */
export function estimateInputTokens(request: ChatRequest): number {
  const size = promptSize(request);
  return tokensOfSize(size) + size.images * TOKENS_PER_IMAGE;
}

/** Output tokens to plan for when the request does not cap them. */
export const DEFAULT_OUTPUT_TOKENS = 256;

/** Estimated output tokens of `request`. */
export function estimateOutputTokens(request: ChatRequest): number {
  return request.maxTokens ?? DEFAULT_OUTPUT_TOKENS;
}
