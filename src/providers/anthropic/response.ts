/**
 * Anthropic `message` reply → unified {@link ChatResponse}, and the finish-reason and usage
 * mapping shared with the stream mapper.
 */
import type { ChatResponse, ToolCall, Usage } from '../../core/types.js';
import type { FinishReasonTable } from '../shared/finish-reason.js';
import { mapFinishReason } from '../shared/finish-reason.js';
import { withCacheCounts } from '../shared/usage.js';
import type { AnthropicMessageReply, AnthropicUsage } from './schemas.js';

/** Anthropic's stop reasons (`pause_turn` and unknown values map to `other`). */
export const ANTHROPIC_FINISH_REASONS: FinishReasonTable = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

/**
 * Input tokens: `input_tokens` plus cache writes and reads (Anthropic counts them apart; the
 * prompt is their sum). `undefined` when `input_tokens` is absent.
 */
export function inputTokensOf(usage: AnthropicUsage | null | undefined): number | undefined {
  const input = usage?.input_tokens ?? undefined;
  if (input === undefined) return undefined;
  return input + (usage?.cache_creation_input_tokens ?? 0) + (usage?.cache_read_input_tokens ?? 0);
}

/**
 * Usage with `undefined` (never 0) where Anthropic did not report a count; cache reads and
 * writes (parts of the input) are `cachedInputTokens` and `cacheWriteInputTokens`.
 */
export function toUsage(usage: AnthropicUsage | null | undefined): Usage {
  const counts = { inputTokens: inputTokensOf(usage), outputTokens: usage?.output_tokens ?? undefined };
  return withCacheCounts(counts, usage?.cache_read_input_tokens, usage?.cache_creation_input_tokens);
}

type Block = AnthropicMessageReply['content'][number];

/** Maps a validated reply: text blocks are concatenated, `tool_use` blocks become tool calls. */
export function fromAnthropicResponse(reply: AnthropicMessageReply, fallback: { id: string; model: string }, warnings: string[]): ChatResponse {
  let content = '';
  const toolCalls: ToolCall[] = [];
  for (const block of reply.content as Block[]) {
    if (isText(block)) content += block.text;
    else if (isToolUse(block)) toolCalls.push({ id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) });
  }
  const response: ChatResponse = {
    id: reply.id ?? fallback.id,
    model: reply.model || fallback.model, // an empty name is no name
    content,
    finishReason: mapFinishReason(ANTHROPIC_FINISH_REASONS, reply.stop_reason),
    usage: toUsage(reply.usage),
  };
  if (toolCalls.length > 0) response.toolCalls = toolCalls;
  if (warnings.length > 0) response.warnings = warnings;
  return response;
}

/** A `text` block (the schema guarantees `text` on it). */
export function isText(block: { type: string }): block is { type: 'text'; text: string } {
  return block.type === 'text';
}

/** A `tool_use` block (the schema guarantees `id`, `name` and `input` on it). */
export function isToolUse(block: { type: string }): block is { type: 'tool_use'; id: string; name: string; input: unknown } {
  return block.type === 'tool_use';
}
