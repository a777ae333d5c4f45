/**
 * Gemini SSE chunks (`streamGenerateContent?alt=sse`) → unified stream parts. Each `data:`
 * is a whole `GenerateContentResponse`; there is no terminator event: a stream is complete
 * once a candidate carried `finishReason`, and a body that ends before that is `malformed`.
 */
import type { StreamPart, Usage } from '../../core/types.js';
import type { SseEvent } from '../shared/sse.js';
import type { FinishPart, MapStep, StreamEventMapper } from '../shared/stream.js';
import type { Upstream } from '../shared/upstream.js';
import { blockedPromptError, firstCandidate, textOfParts, toFinishReason, toolCallsOfParts, toUsage } from './response.js';
import { GenerateContentResponseSchema } from './schemas.js';

/** Options of {@link createGeminiStreamMapper}. */
export interface GeminiStreamOptions {
  /** Prefix of tool-call ids Gemini did not give. */
  idPrefix: string;
  /** Warnings of the request mapping, reported on the `finish` part. */
  warnings: readonly string[];
}

/** A fresh mapper for one streamed call. */
export function createGeminiStreamMapper(upstream: Upstream, options: GeminiStreamOptions): StreamEventMapper<SseEvent> {
  let id: string | undefined;
  let model: string | undefined;
  let rawFinish: string | undefined;
  let finished = false;
  let usage: Usage = { inputTokens: undefined, outputTokens: undefined };
  let calls = 0;

  return {
    map(event): MapStep {
      const chunk = upstream.parseEvent(event.data, GenerateContentResponseSchema, 'stream chunk');
      const blocked = blockedPromptError(upstream, chunk);
      if (blocked) throw blocked;
      id ??= chunk.responseId ?? undefined;
      model ??= chunk.modelVersion || undefined; // an empty name is no name
      if (chunk.usageMetadata) usage = toUsage(chunk.usageMetadata);
      const candidate = firstCandidate(chunk);
      if (candidate === undefined) return {};
      const parts: StreamPart[] = [];
      const content = candidate.content?.parts ?? [];
      const text = textOfParts(content);
      if (text) parts.push({ type: 'text-delta', text });
      // Gemini sends each function call whole, in one chunk (several may share one): one delta per call.
      let made = calls;
      for (const { id, name, arguments: argumentsDelta, signature } of toolCallsOfParts(content, () => `${options.idPrefix}-call-${made++}`)) {
        parts.push({ type: 'tool-call-delta', index: calls++, id, name, argumentsDelta, ...(signature === undefined ? {} : { signature }) });
      }
      if (candidate.finishReason) {
        rawFinish = candidate.finishReason;
        finished = true;
      }
      return { parts };
    },
    model: () => model,
    finish(): FinishPart | undefined {
      if (!finished) return undefined;
      const part: FinishPart = { type: 'finish', finishReason: toFinishReason(rawFinish, calls > 0), usage };
      if (model !== undefined) part.model = model;
      if (id !== undefined) part.id = id;
      if (options.warnings.length > 0) part.warnings = [...options.warnings];
      return part;
    },
  };
}
