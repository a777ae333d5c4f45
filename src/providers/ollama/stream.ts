/**
 * Ollama NDJSON stream lines → unified stream parts. Each `done: false` line carries a delta
 * (text, or whole tool calls); the `done: true` line is the terminator with `done_reason` and
 * the counts, and is required. An `{"error": "..."}` line is classified like an HTTP error.
 */
import type { StreamPart, Usage } from '../../core/types.js';
import type { FinishPart, MapStep, StreamEventMapper } from '../shared/stream.js';
import type { Upstream } from '../shared/upstream.js';
import { fallbackToolCallId, toFinishReason, toToolCall, toUsage } from './response.js';
import { ChunkSchema } from './schemas.js';

/** What the mapper needs besides the upstream. */
export interface OllamaStreamOptions {
  /** The call's request id, for made-up tool-call ids. */
  requestId: string;
  /** Request-mapping warnings, reported on the `finish` part. @default [] */
  warnings?: readonly string[];
}

/** A fresh mapper for one streamed call. */
export function createOllamaStreamMapper(upstream: Upstream, options: OllamaStreamOptions): StreamEventMapper<string> {
  let model: string | undefined;
  let rawFinish: string | undefined;
  let usage: Usage = { inputTokens: undefined, outputTokens: undefined };
  let toolCalls = 0;
  let done = false;

  return {
    map(line): MapStep {
      const chunk = upstream.parseEvent(line, ChunkSchema, 'stream line');
      model ??= chunk.model || undefined;
      const parts: StreamPart[] = [];
      const text = chunk.message?.content;
      if (text) parts.push({ type: 'text-delta', text });
      for (const wire of chunk.message?.tool_calls ?? []) {
        const index = toolCalls++;
        const call = toToolCall(wire, fallbackToolCallId(options.requestId, index));
        parts.push({ type: 'tool-call-delta', index, id: call.id, name: call.name, argumentsDelta: call.arguments });
      }
      if (chunk.done) {
        done = true;
        rawFinish = chunk.done_reason ?? undefined;
        usage = toUsage(chunk);
      }
      return { parts, done: chunk.done };
    },
    model: () => model,
    finish(): FinishPart | undefined {
      if (!done) return undefined;
      const part: FinishPart = { type: 'finish', finishReason: toFinishReason(rawFinish, toolCalls > 0), usage };
      if (model !== undefined) part.model = model;
      if (options.warnings !== undefined && options.warnings.length > 0) part.warnings = [...options.warnings];
      return part;
    },
  };
}
