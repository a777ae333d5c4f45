/**
 * Gemini `GenerateContentResponse` → unified {@link ChatResponse}, plus the finish-reason
 * table, usage and prompt-block handling shared with the stream mapper.
 */
import type { ChatResponse, FinishReason, ToolCall, Usage } from '../../core/types.js';
import type { ProviderError } from '../../core/errors.js';
import { mapFinishReason, type FinishReasonTable } from '../shared/finish-reason.js';
import { withCacheCounts } from '../shared/usage.js';
import type { Upstream } from '../shared/upstream.js';
import type { Candidate, GenerateContentResponse, Part, UsageMetadata } from './schemas.js';
import { fromThoughtSignature } from './signatures.js';

/** Gemini's finish reasons; a reply with function calls is `tool_calls` whatever the raw value. */
export const GEMINI_FINISH_REASONS: FinishReasonTable = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
};

/** The unified finish reason; `STOP` with function calls becomes `tool_calls` (Gemini has no own value). */
export function toFinishReason(raw: string | null | undefined, hasToolCalls: boolean): FinishReason {
  const reason = mapFinishReason(GEMINI_FINISH_REASONS, raw);
  return hasToolCalls && (reason.unified === 'stop' || reason.raw === undefined) ? { unified: 'tool_calls', raw: reason.raw } : reason;
}

/**
 * Usage with `undefined` where Gemini said nothing. Output counts thinking tokens too (they
 * are billed as output). Proto3 JSON omits zeros, so a missing candidates count next to a
 * total is derived from the total, and a prompt count without `cachedContentTokenCount` (part
 * of the prompt, implicit caching included) read nothing from a cache.
 */
export function toUsage(usage: UsageMetadata | null | undefined): Usage {
  if (!usage) return { inputTokens: undefined, outputTokens: undefined };
  const input = usage.promptTokenCount ?? undefined;
  let output: number | undefined;
  if (usage.candidatesTokenCount != null || usage.thoughtsTokenCount != null) {
    output = (usage.candidatesTokenCount ?? 0) + (usage.thoughtsTokenCount ?? 0);
  } else if (usage.totalTokenCount != null) {
    output = Math.max(0, usage.totalTokenCount - (input ?? 0) - (usage.toolUsePromptTokenCount ?? 0));
  }
  const reads = usage.cachedContentTokenCount ?? (input === undefined ? undefined : 0);
  return withCacheCounts({ inputTokens: input, outputTokens: output }, reads, undefined);
}

/** A prompt Gemini refused to answer (`promptFeedback.blockReason`, no candidates) as a `content_filter` error. */
export function blockedPromptError(upstream: Upstream, reply: GenerateContentResponse): ProviderError | undefined {
  const reason = reply.promptFeedback?.blockReason;
  if (!reason || (reply.candidates?.length ?? 0) > 0) return undefined;
  const why = reply.promptFeedback?.blockReasonMessage;
  return upstream.errorFromPayload({
    error: { status: 'content_filter', message: `the prompt was blocked (blockReason ${reason})${why ? `: ${why}` : ''}` },
  });
}

/** Answer text of a part list (thought summaries are not part of the answer). */
export function textOfParts(parts: readonly Part[]): string {
  return parts.map((part) => (part.thought ? '' : (part.text ?? ''))).join('');
}

/**
 * Function-call parts as unified tool calls, with their thought signature; Gemini's ids are
 * optional, so missing ones are made from `makeId`.
 */
export function toolCallsOfParts(parts: readonly Part[], makeId: () => string): ToolCall[] {
  return parts.flatMap((part) => {
    if (!part.functionCall) return [];
    const call: ToolCall = { id: part.functionCall.id ?? makeId(), name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) };
    const signature = fromThoughtSignature(part.thoughtSignature);
    if (signature !== undefined) call.signature = signature;
    return [call];
  });
}

/** The candidate Switchyard reads (Gemini returns one unless `candidateCount` asks for more). */
export function firstCandidate(reply: GenerateContentResponse): Candidate | undefined {
  return reply.candidates?.find((candidate) => (candidate.index ?? 0) === 0);
}

/** Maps a validated reply; throws a `content_filter` error for a blocked prompt. */
export function fromGeminiResponse(
  upstream: Upstream,
  reply: GenerateContentResponse,
  fallback: { id: string; model: string },
  warnings: string[],
): ChatResponse {
  const blocked = blockedPromptError(upstream, reply);
  if (blocked) throw blocked;
  const candidate = firstCandidate(reply);
  if (candidate === undefined) throw upstream.malformed('reply has no candidates');
  const parts = candidate.content?.parts ?? [];
  let n = 0;
  const toolCalls = toolCallsOfParts(parts, () => `${fallback.id}-call-${n++}`);
  const response: ChatResponse = {
    id: reply.responseId ?? fallback.id,
    model: reply.modelVersion || fallback.model, // an empty name is no name
    content: textOfParts(parts),
    finishReason: toFinishReason(candidate.finishReason, toolCalls.length > 0),
    usage: toUsage(reply.usageMetadata),
  };
  if (toolCalls.length > 0) response.toolCalls = toolCalls;
  if (warnings.length > 0) response.warnings = warnings;
  return response;
}
