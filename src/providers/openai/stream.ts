/**
 * OpenAI stream chunks → unified stream parts. The wire is `data: <chunk>` events, a last
 * chunk with `usage` (when `stream_options.include_usage`), then `data: [DONE]`, which is
 * required: a stream without it is `malformed`.
 */
import type { StreamPart, Usage } from '../../core/types.js';
import type { SseEvent } from '../shared/sse.js';
import type { FinishPart, MapStep, StreamEventMapper } from '../shared/stream.js';
import type { Upstream } from '../shared/upstream.js';
import { toFinishReason, toUsage } from './response.js';
import { ChunkSchema } from './schemas.js';

/** A fresh mapper for one streamed call; `warnings` (from the request mapping) go on the finish part. */
export function createOpenAIStreamMapper(upstream: Upstream, warnings: readonly string[] = []): StreamEventMapper<SseEvent> {
  let id: string | undefined;
  let model: string | undefined;
  let rawFinish: string | undefined;
  let refused = false;
  let usage: Usage = { inputTokens: undefined, outputTokens: undefined };
  let done = false;

  return {
    map(event): MapStep {
      if (event.data.trim() === '[DONE]') {
        done = true;
        return { done: true };
      }
      const chunk = upstream.parseEvent(event.data, ChunkSchema, 'stream chunk');
      id ??= chunk.id ?? undefined;
      model ??= chunk.model || undefined; // an empty name is no name
      if (chunk.usage) usage = toUsage(chunk.usage);
      const parts: StreamPart[] = [];
      for (const choice of chunk.choices ?? []) {
        if ((choice.index ?? 0) !== 0) continue;
        // A refusal streams as text marked `refusal` (it is the answer) and finishes as content_filter.
        const content = choice.delta?.content;
        if (content) parts.push({ type: 'text-delta', text: content });
        const refusal = choice.delta?.refusal;
        if (refusal) {
          refused = true;
          parts.push({ type: 'text-delta', text: refusal, refusal: true });
        }
        for (const call of choice.delta?.tool_calls ?? []) {
          const part: StreamPart = { type: 'tool-call-delta', index: call.index, argumentsDelta: call.function?.arguments ?? '' };
          if (call.id) part.id = call.id;
          if (call.function?.name) part.name = call.function.name;
          parts.push(part);
        }
        if (choice.finish_reason) rawFinish = choice.finish_reason;
      }
      return { parts };
    },
    model: () => model,
    finish(): FinishPart | undefined {
      if (!done) return undefined;
      const part: FinishPart = { type: 'finish', finishReason: toFinishReason(rawFinish, refused), usage };
      if (model !== undefined) part.model = model;
      if (id !== undefined) part.id = id;
      if (warnings.length > 0) part.warnings = [...warnings];
      return part;
    },
  };
}
