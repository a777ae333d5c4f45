/**
 * Ollama `/api/chat` reply → unified {@link ChatResponse}, and the pieces shared with the
 * stream mapper: the finish-reason table, usage and tool-call conversion.
 */
import type { ChatResponse, FinishReason, ToolCall, Usage } from '../../core/types.js';
import type { FinishReasonTable } from '../shared/finish-reason.js';
import { mapFinishReason } from '../shared/finish-reason.js';
import type { OllamaToolCall, Reply } from './schemas.js';

/**
 * Ollama's `done_reason` values. `load`/`unload` (a request that only loaded or unloaded the
 * model) map to `other`; Ollama reports tool calls as `stop`, see {@link toFinishReason}.
 * `content_filter` is never sent by Ollama itself, only by filtering proxies in front of it.
 */
export const OLLAMA_FINISH_REASONS: FinishReasonTable = {
  stop: 'stop',
  length: 'length',
  load: 'other',
  unload: 'other',
  content_filter: 'content_filter',
};

/** The finish reason; a `stop` (or missing reason) after tool calls is `tool_calls`. */
export function toFinishReason(raw: string | null | undefined, sawToolCalls: boolean): FinishReason {
  const reason = mapFinishReason(OLLAMA_FINISH_REASONS, raw);
  if (sawToolCalls && (reason.unified === 'stop' || reason.raw === undefined)) return { unified: 'tool_calls', raw: reason.raw };
  return reason;
}

/** Usage from `prompt_eval_count`/`eval_count`; `undefined` (never 0) when Ollama left one out. */
export function toUsage(counts: { prompt_eval_count?: number | null; eval_count?: number | null }): Usage {
  return { inputTokens: counts.prompt_eval_count ?? undefined, outputTokens: counts.eval_count ?? undefined };
}

/** Unified tool call; Ollama's object arguments become JSON text, a missing id a stable made-up one. */
export function toToolCall(call: OllamaToolCall, fallbackId: string): ToolCall {
  const args = call.function.arguments;
  return {
    id: call.id || fallbackId,
    name: call.function.name,
    arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}),
  };
}

/** The id Switchyard gives tool call `index` of request `requestId` when Ollama sent none. */
export function fallbackToolCallId(requestId: string, index: number): string {
  return `call_${requestId}_${index}`;
}

/** Maps a validated non-streaming reply. */
export function fromOllamaResponse(reply: Reply, fallback: { id: string; model: string; requestId: string }, warnings: string[]): ChatResponse {
  const calls = reply.message.tool_calls ?? [];
  const response: ChatResponse = {
    id: fallback.id,
    model: reply.model || fallback.model,
    content: reply.message.content,
    finishReason: toFinishReason(reply.done_reason, calls.length > 0),
    usage: toUsage(reply),
  };
  if (calls.length > 0) response.toolCalls = calls.map((call, i) => toToolCall(call, fallbackToolCallId(fallback.requestId, i)));
  if (warnings.length > 0) response.warnings = warnings;
  return response;
}
