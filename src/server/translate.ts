/**
 * Translation between OpenAI's Chat Completions wire format and Switchyard's unified types:
 * request body → {@link ChatRequest}, {@link ChatResult} → completion JSON, and
 * {@link StreamPart} → `chat.completion.chunk` objects. Pure functions, no IO. A tool call's
 * Google signature travels as Google's OpenAI-compatible API carries it, in
 * `extra_content.google.thought_signature`, both ways.
 */
import { GOOGLE_SIGNATURE_VENDOR as GOOGLE, type ChatMessage, type ChatRequest, type ContentPart, type FinishReason, type ResponseFormat, type StreamPart, type ToolCall, type ToolCallSignature, type Usage } from '../core/types.js';
import type { ChatResult } from '../engine/switchyard.js';
import type { ChatCompletionBody } from './validate.js';

type OpenAIMessage = ChatCompletionBody['messages'][number];
type OpenAIToolCall = NonNullable<Extract<OpenAIMessage, { role: 'assistant' }>['tool_calls']>[number];

/** A validated Chat Completions body as a unified request; `task` comes from the header or `metadata.task`. */
export function toChatRequest(body: ChatCompletionBody, taskHeader: string | undefined): ChatRequest {
  const request: ChatRequest = { messages: body.messages.map(toMessage) };
  if (body.model !== undefined) request.model = body.model;
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (maxTokens != null) request.maxTokens = maxTokens;
  if (body.temperature != null) request.temperature = body.temperature;
  if (body.top_p != null) request.topP = body.top_p;
  if (body.stop != null) request.stop = typeof body.stop === 'string' ? [body.stop] : body.stop;
  if (body.seed != null) request.seed = body.seed;
  if (body.user !== undefined) request.user = body.user;
  if (body.frequency_penalty != null) request.frequencyPenalty = body.frequency_penalty;
  if (body.presence_penalty != null) request.presencePenalty = body.presence_penalty;
  if (body.logit_bias != null) request.logitBias = body.logit_bias;
  if (body.tools !== undefined && body.tools.length > 0) {
    request.tools = body.tools.map(({ function: f }) => ({
      name: f.name,
      ...(f.description === undefined ? {} : { description: f.description }),
      ...(f.parameters === undefined ? {} : { parameters: f.parameters }),
      ...(f.strict == null ? {} : { strict: f.strict }),
    }));
  }
  if (body.tool_choice !== undefined) {
    request.toolChoice = typeof body.tool_choice === 'string' ? body.tool_choice : { name: body.tool_choice.function.name };
  }
  if (body.parallel_tool_calls != null) request.parallelToolCalls = body.parallel_tool_calls;
  if (body.response_format !== undefined) request.responseFormat = toResponseFormat(body.response_format);
  if (body.reasoning_effort != null) request.reasoningEffort = body.reasoning_effort;
  if (body.service_tier != null) request.serviceTier = body.service_tier;
  if (body.store != null) request.store = body.store;
  if (body.metadata != null) request.metadata = body.metadata;
  const task = taskHeader ?? body.metadata?.task;
  if (task !== undefined && task !== '') request.task = task;
  return request;
}

/** `response_format` with the schema's name, description and `strict` kept (OpenAI structured outputs). */
function toResponseFormat(format: NonNullable<ChatCompletionBody['response_format']>): ResponseFormat {
  if (format.type !== 'json_schema') return { type: format.type };
  const { name, description, schema, strict } = format.json_schema;
  const out: ResponseFormat = { type: 'json_schema' };
  if (schema !== undefined) out.schema = schema;
  if (name !== undefined) out.name = name;
  if (description !== undefined) out.description = description;
  if (strict != null) out.strict = strict;
  return out;
}

function toMessage(message: OpenAIMessage): ChatMessage {
  switch (message.role) {
    case 'system':
    case 'developer':
      return withName({ role: 'system', content: toContent(message.content) }, message.name);
    case 'user':
      return withName({ role: 'user', content: toContent(message.content) }, message.name);
    case 'assistant': {
      const out: ChatMessage = withName({ role: 'assistant', content: message.content == null ? null : toContent(message.content) }, message.name);
      if (message.tool_calls !== undefined && message.tool_calls.length > 0) {
        out.toolCalls = message.tool_calls.map(toToolCall);
      }
      return out;
    }
    case 'tool':
      return { role: 'tool', content: toContent(message.content), toolCallId: message.tool_call_id };
  }
}

function toToolCall(call: OpenAIToolCall): ToolCall {
  const out: ToolCall = { id: call.id, name: call.function.name, arguments: call.function.arguments };
  const signature = call.extra_content?.google?.thought_signature;
  if (signature !== undefined && signature !== '') out.signature = { vendor: GOOGLE, value: signature };
  return out;
}

/** `extra_content` for a call's signature, as Google writes it (nothing for none, or another vendor's). */
function extraContent(signature: ToolCallSignature | undefined): { extra_content?: { google: { thought_signature: string } } } {
  return signature?.vendor === GOOGLE ? { extra_content: { google: { thought_signature: signature.value } } } : {};
}

function withName(message: ChatMessage, name: string | undefined): ChatMessage {
  if (name !== undefined) message.name = name;
  return message;
}

type WireContent = string | ({ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' | undefined } })[];

function toContent(content: WireContent): string | ContentPart[] {
  if (typeof content === 'string') return content;
  return content.map((part) =>
    part.type === 'text' ? { type: 'text', text: part.text } : { type: 'image_url', url: part.image_url.url, ...(part.image_url.detail === undefined ? {} : { detail: part.image_url.detail }) },
  );
}

const OPENAI_FINISH = new Set(['stop', 'length', 'tool_calls', 'content_filter']);

/**
 * OpenAI's `finish_reason` for a unified one (`error`/`other` become `stop`). A refusal (raw
 * `refusal`) finishes `stop`, as OpenAI finishes one.
 */
export function finishReasonOf(reason: FinishReason): string {
  if (reason.raw === 'refusal') return 'stop';
  return OPENAI_FINISH.has(reason.unified) ? reason.unified : 'stop';
}

/**
 * OpenAI's `usage` object, or `undefined` when the provider did not report it. Prompt-cache
 * counts the provider reported go in `prompt_tokens_details` (`cached_tokens`, and
 * `cache_write_tokens` as the openai SDK types it), both parts of `prompt_tokens`.
 */
export function usageOf(usage: Usage | undefined) {
  if (usage === undefined || (usage.inputTokens === undefined && usage.outputTokens === undefined)) return undefined;
  const prompt = usage.inputTokens ?? 0;
  const completion = usage.outputTokens ?? 0;
  const { cachedInputTokens: reads, cacheWriteInputTokens: writes } = usage;
  const counts = { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
  if (reads === undefined && writes === undefined) return counts;
  return {
    ...counts,
    prompt_tokens_details: { ...(reads === undefined ? {} : { cached_tokens: reads }), ...(writes === undefined ? {} : { cache_write_tokens: writes }) },
  };
}

/**
 * A `chat.completion` object for a completed call. `created` is in seconds. A refusal (the
 * model declined: OpenAI's `refusal`, Anthropic's `stop_reason: refusal`) is written as
 * OpenAI writes one, in `message.refusal` with `content: null` and `finish_reason: stop`,
 * which is where the openai SDK's `parse()` looks for it.
 */
export function toCompletion(result: ChatResult, created: number) {
  const toolCalls = result.toolCalls?.map((call) => ({
    id: call.id,
    type: 'function' as const,
    function: { name: call.name, arguments: call.arguments },
    ...extraContent(call.signature),
  }));
  const usage = usageOf(result.usage);
  const refused = result.finishReason.raw === 'refusal' && result.content !== '';
  return {
    id: result.id,
    object: 'chat.completion',
    created,
    model: result.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: refused || (toolCalls !== undefined && toolCalls.length > 0 && result.content === '') ? null : result.content,
          refusal: refused ? result.content : null,
          ...(toolCalls !== undefined && toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: finishReasonOf(result.finishReason),
      },
    ],
    ...(usage === undefined ? {} : { usage }),
  };
}

/**
 * Renders the stream parts of one answer as `chat.completion.chunk` objects. A refusal streams
 * as OpenAI streams one: `delta.refusal`, then `finish_reason: stop`.
 */
export class ChunkWriter {
  private started = false;

  constructor(
    private readonly id: string,
    private model: string,
    private readonly created: number,
    private readonly includeUsage: boolean,
  ) {}

  /** The chunks for one part (none for an `error` part: the caller renders errors). */
  chunks(part: StreamPart): object[] {
    // The upstream model, as soon as it is known and before any chunk names another.
    if (!this.started && part.type !== 'error' && part.model !== undefined) this.model = part.model;
    switch (part.type) {
      case 'text-delta':
        return [this.chunk(this.delta(part.refusal === true ? { refusal: part.text } : { content: part.text }), null)];
      case 'tool-call-delta': {
        const call: Record<string, unknown> = { index: part.index };
        if (part.id !== undefined) call.id = part.id;
        if (part.id !== undefined || part.name !== undefined) call.type = 'function';
        const fn: Record<string, string> = { arguments: part.argumentsDelta };
        if (part.name !== undefined) fn.name = part.name;
        call.function = fn;
        Object.assign(call, extraContent(part.signature));
        return [this.chunk(this.delta({ tool_calls: [call] }), null)];
      }
      case 'finish': {
        const out: object[] = [];
        if (!this.started) out.push(this.chunk(this.delta({ content: '' }), null));
        out.push(this.chunk({}, finishReasonOf(part.finishReason)));
        const usage = usageOf(part.usage);
        if (this.includeUsage) out.push({ id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [], usage: usage ?? null });
        return out;
      }
      case 'error':
        return [];
    }
  }

  private delta(fields: Record<string, unknown>): Record<string, unknown> {
    if (this.started) return fields;
    this.started = true;
    return { role: 'assistant', ...fields };
  }

  private chunk(delta: Record<string, unknown>, finishReason: string | null) {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }] };
  }
}
