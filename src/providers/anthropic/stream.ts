/**
 * Anthropic SSE events → unified stream parts. The wire is `message_start`, then per content
 * block `content_block_start` / `_delta`… / `_stop`, then `message_delta` (stop reason, output
 * tokens) and `message_stop`, the terminator: a stream without it is `malformed`. `ping` is
 * ignored; an `error` event mid-stream is classified like an HTTP error.
 */
import type { StreamPart } from '../../core/types.js';
import { mapFinishReason } from '../shared/finish-reason.js';
import { hasErrorObject } from '../shared/json.js';
import type { SseEvent } from '../shared/sse.js';
import type { FinishPart, MapStep, StreamEventMapper } from '../shared/stream.js';
import type { Upstream } from '../shared/upstream.js';
import { ANTHROPIC_FINISH_REASONS, isText, isToolUse, toUsage } from './response.js';
import {
  type AnthropicUsage,
  ContentBlockDeltaSchema,
  ContentBlockStartSchema,
  ContentBlockStopSchema,
  EventSchema,
  MessageDeltaSchema,
  MessageStartSchema,
} from './schemas.js';

/** A fresh mapper for one streamed call; `warnings` (from the request mapping) go on the finish part. */
export function createAnthropicStreamMapper(upstream: Upstream, warnings: readonly string[] = []): StreamEventMapper<SseEvent> {
  let id: string | undefined;
  let model: string | undefined;
  let rawFinish: string | undefined;
  /** Input and cache counts so far: `message_start`'s, updated by `message_delta`'s cumulative ones (server tools add input). */
  let input: AnthropicUsage | null | undefined;
  let outputTokens: number | undefined;
  let done = false;
  /** Content-block index → tool-call ordinal, and whether that call got any argument text. */
  const tools = new Map<number, { ordinal: number; sentArguments: boolean }>();
  /** Indexes of blocks Switchyard does not read; server tools (`server_tool_use`, `mcp_tool_use`) stream input_json_deltas too. */
  const unread = new Set<number>();

  return {
    map(event): MapStep {
      // Parsed once; each event type's schema then checks the same value.
      const value = upstream.decode(event.data, 'stream event');
      // An error event, also from a proxy that sends `{"error": …}` without a `type`.
      if (event.event === 'error' || hasErrorObject(value)) throw upstream.errorFromPayload(value);
      const object = upstream.validate(value, EventSchema, 'stream event');
      if (object.type === 'error') throw upstream.errorFromPayload(object);
      switch (object.type) {
        case 'message_start': {
          const { message } = upstream.validate(value, MessageStartSchema, 'message_start event');
          id = message.id ?? undefined;
          model = message.model || undefined; // an empty name is no name
          input = message.usage;
          return {};
        }
        case 'content_block_start': {
          const { index, content_block: block } = upstream.validate(value, ContentBlockStartSchema, 'content_block_start event');
          if (isToolUse(block)) {
            const ordinal = tools.size;
            tools.set(index, { ordinal, sentArguments: false });
            return { parts: [{ type: 'tool-call-delta', index: ordinal, id: block.id, name: block.name, argumentsDelta: '' }] };
          }
          if (!isText(block)) unread.add(index);
          return isText(block) && block.text !== '' ? { parts: [{ type: 'text-delta', text: block.text }] } : {};
        }
        case 'content_block_delta': {
          const { index, delta } = upstream.validate(value, ContentBlockDeltaSchema, 'content_block_delta event');
          return { parts: deltaParts(index, delta) };
        }
        case 'content_block_stop': {
          const { index } = upstream.validate(value, ContentBlockStopSchema, 'content_block_stop event');
          const tool = tools.get(index);
          // A call without input deltas has empty input; say so as JSON, like chat() does.
          if (tool !== undefined && !tool.sentArguments) return { parts: [{ type: 'tool-call-delta', index: tool.ordinal, argumentsDelta: '{}' }] };
          return {};
        }
        case 'message_delta': {
          const delta = upstream.validate(value, MessageDeltaSchema, 'message_delta event');
          rawFinish = delta.delta.stop_reason ?? rawFinish;
          outputTokens = delta.usage?.output_tokens ?? outputTokens;
          if (delta.usage) input = { ...input, ...definedInputs(delta.usage) };
          return {};
        }
        case 'message_stop':
          done = true;
          return { done: true };
        default:
          return {}; // `ping` and event types added later
      }
    },
    model: () => model,
    finish(): FinishPart | undefined {
      if (!done) return undefined;
      const part: FinishPart = {
        type: 'finish',
        finishReason: mapFinishReason(ANTHROPIC_FINISH_REASONS, rawFinish),
        usage: toUsage({ ...input, output_tokens: outputTokens }),
      };
      if (model !== undefined) part.model = model;
      if (id !== undefined) part.id = id;
      if (warnings.length > 0) part.warnings = [...warnings];
      return part;
    },
  };

  function deltaParts(index: number, delta: { type: string; text?: string; partial_json?: string }): StreamPart[] {
    if (delta.type === 'text_delta') return delta.text ? [{ type: 'text-delta', text: delta.text }] : [];
    if (delta.type !== 'input_json_delta') return [];
    const tool = tools.get(index);
    if (tool === undefined) {
      if (unread.has(index)) return [];
      throw upstream.malformed(`input_json_delta for block ${index}, which is not a tool_use block`);
    }
    if (!delta.partial_json) return [];
    tool.sentArguments = true;
    return [{ type: 'tool-call-delta', index: tool.ordinal, argumentsDelta: delta.partial_json }];
  }
}

/** The input counts a `message_delta` carries (absent ones keep their `message_start` value). */
function definedInputs(usage: AnthropicUsage): AnthropicUsage {
  const counts: AnthropicUsage = {};
  if (usage.input_tokens != null) counts.input_tokens = usage.input_tokens;
  if (usage.cache_creation_input_tokens != null) counts.cache_creation_input_tokens = usage.cache_creation_input_tokens;
  if (usage.cache_read_input_tokens != null) counts.cache_read_input_tokens = usage.cache_read_input_tokens;
  return counts;
}
