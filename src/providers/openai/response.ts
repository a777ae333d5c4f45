/**
 * OpenAI Chat Completions reply → unified {@link ChatResponse}, and the finish-reason table
 * shared with the stream mapper.
 */
import type { ChatResponse, FinishReason, Usage } from '../../core/types.js';
import type { FinishReasonTable } from '../shared/finish-reason.js';
import { mapFinishReason } from '../shared/finish-reason.js';
import { withCacheCounts } from '../shared/usage.js';
import type { Completion, OpenAIUsage } from './schemas.js';

/** OpenAI's finish reasons (plus the legacy `function_call`). */
export const OPENAI_FINISH_REASONS: FinishReasonTable = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool_calls',
  function_call: 'tool_calls',
  content_filter: 'content_filter',
};

/**
 * Usage with `undefined` (never 0) where OpenAI did not report a count. `completion_tokens`
 * includes the reasoning tokens on OpenAI; servers that count them apart (xAI) say so by a
 * `total_tokens` of prompt + completion + reasoning, and get them added (they are billed as output).
 * `prompt_tokens` includes the cache reads (`prompt_tokens_details.cached_tokens`, or DeepSeek's
 * `prompt_cache_hit_tokens`) and writes (`cache_write_tokens` where a server reports them, or
 * LiteLLM's top-level `cache_creation_input_tokens`).
 */
export function toUsage(usage: OpenAIUsage | null | undefined): Usage {
  const input = usage?.prompt_tokens ?? undefined;
  let output = usage?.completion_tokens ?? undefined;
  const reasoning = usage?.completion_tokens_details?.reasoning_tokens;
  if (reasoning && output !== undefined && input !== undefined && usage?.total_tokens === input + output + reasoning) output += reasoning;
  const details = usage?.prompt_tokens_details;
  return withCacheCounts({ inputTokens: input, outputTokens: output }, details?.cached_tokens ?? usage?.prompt_cache_hit_tokens, details?.cache_write_tokens ?? usage?.cache_creation_input_tokens);
}

/**
 * The finish reason of a choice; a refusal (`refusal` set, `finish_reason` "stop" or none) is
 * `content_filter` with the raw value `refusal`, as Anthropic's `refusal` stop reason is.
 */
export function toFinishReason(raw: string | null | undefined, refused: boolean): FinishReason {
  if (refused && (raw === 'stop' || raw === null || raw === undefined || raw === '')) return { unified: 'content_filter', raw: 'refusal' };
  return mapFinishReason(OPENAI_FINISH_REASONS, raw);
}

/** Maps a validated reply. Only the first choice is read; a refusal becomes the content when there is none. */
export function fromOpenAIResponse(reply: Completion, fallback: { id: string; model: string }, warnings: string[]): ChatResponse {
  const choice = reply.choices[0]!;
  const message = choice.message;
  const response: ChatResponse = {
    id: reply.id ?? fallback.id,
    model: reply.model || fallback.model, // an empty name is no name
    content: message.content || message.refusal || '',
    finishReason: toFinishReason(choice.finish_reason, Boolean(message.refusal)),
    usage: toUsage(reply.usage),
  };
  const calls = message.tool_calls ?? [];
  if (calls.length > 0) {
    response.toolCalls = calls.map((call) => ({ id: call.id, name: call.function.name, arguments: call.function.arguments }));
  }
  if (warnings.length > 0) response.warnings = warnings;
  return response;
}
