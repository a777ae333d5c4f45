/**
 * Unified {@link ChatRequest} → OpenAI Chat Completions request body. Everything the unified
 * model has maps, as OpenAI names it; what cannot (image parts in assistant or tool messages,
 * sampling parameters for reasoning models, stop sequences past the fourth) becomes a warning.
 */
import type { ChatMessage, ChatRequest, ContentPart, ResponseFormat } from '../../core/types.js';

/** The Chat Completions body Switchyard sends (a subset of OpenAI's). */
export type OpenAIBody = Record<string, unknown> & { model: string; messages: Record<string, unknown>[] };

/** Options of {@link toOpenAIRequest}. */
export interface OpenAIRequestOptions {
  model: string;
  stream: boolean;
  /** Field carrying `maxTokens`. @default 'max_tokens' ('max_completion_tokens' for o-series and gpt-5 models) */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens' | undefined;
}

const REASONING_MODEL = /^(o\d|gpt-5)/;
/** Chat Completions accepts at most this many stop sequences. */
const MAX_STOP_SEQUENCES = 4;

/** Builds the request body and the warnings for what could not be carried. */
export function toOpenAIRequest(request: ChatRequest, options: OpenAIRequestOptions): { body: OpenAIBody; warnings: string[] } {
  const warnings: string[] = [];
  const body: OpenAIBody = { model: options.model, messages: request.messages.map((m) => toMessage(m, warnings)) };
  const reasoning = REASONING_MODEL.test(options.model);
  if (request.maxTokens !== undefined) {
    const field = options.maxTokensField ?? (reasoning ? 'max_completion_tokens' : 'max_tokens');
    body[field] = request.maxTokens;
  }
  // Reasoning models answer any value but the default (1) with a 400.
  const fixed = (name: string, param: string) => `OpenAI reasoning models (${options.model}) take only the default ${name}; "${param}" was not sent`;
  if (request.temperature !== undefined) {
    if (reasoning) warnings.push(fixed('temperature', 'temperature'));
    else body.temperature = request.temperature;
  }
  if (request.topP !== undefined) {
    if (reasoning) warnings.push(fixed('top_p', 'topP'));
    else body.top_p = request.topP;
  }
  if (request.frequencyPenalty !== undefined) {
    if (reasoning) warnings.push(fixed('frequency_penalty', 'frequencyPenalty'));
    else body.frequency_penalty = request.frequencyPenalty;
  }
  if (request.presencePenalty !== undefined) {
    if (reasoning) warnings.push(fixed('presence_penalty', 'presencePenalty'));
    else body.presence_penalty = request.presencePenalty;
  }
  if (request.logitBias !== undefined) {
    if (reasoning) warnings.push(fixed('logit_bias', 'logitBias'));
    else body.logit_bias = request.logitBias;
  }
  if (request.stop !== undefined && request.stop.length > 0) {
    if (request.stop.length > MAX_STOP_SEQUENCES) {
      warnings.push(`OpenAI accepts at most ${MAX_STOP_SEQUENCES} stop sequences; only the first ${MAX_STOP_SEQUENCES} were sent`);
    }
    body.stop = request.stop.slice(0, MAX_STOP_SEQUENCES);
  }
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.user !== undefined) body.user = request.user;
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = request.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        parameters: tool.parameters ?? { type: 'object', properties: {} },
        ...(tool.strict === undefined ? {} : { strict: tool.strict }),
      },
    }));
    // OpenAI refuses parallel_tool_calls without tools.
    if (request.parallelToolCalls !== undefined) body.parallel_tool_calls = request.parallelToolCalls;
  }
  if (request.toolChoice !== undefined) {
    body.tool_choice =
      typeof request.toolChoice === 'string' ? request.toolChoice : { type: 'function', function: { name: request.toolChoice.name } };
  }
  if (request.responseFormat !== undefined) body.response_format = toResponseFormat(request.responseFormat, warnings);
  if (request.reasoningEffort !== undefined) body.reasoning_effort = request.reasoningEffort;
  if (request.serviceTier !== undefined) body.service_tier = request.serviceTier;
  if (request.store !== undefined) body.store = request.store;
  if (options.stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return { body, warnings };
}

function toMessage(message: ChatMessage, warnings: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { role: message.role, content: toContent(message, warnings) };
  if (message.name !== undefined && message.role !== 'tool') out.name = message.name;
  if (message.role === 'tool') out.tool_call_id = message.toolCallId ?? '';
  if (message.role === 'assistant' && message.toolCalls !== undefined && message.toolCalls.length > 0) {
    out.tool_calls = message.toolCalls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
    }));
  }
  return out;
}

function toContent(message: ChatMessage, warnings: string[]): string | null | Record<string, unknown>[] {
  const content = message.content;
  if (content === null || typeof content === 'string') return content;
  const imagesAllowed = message.role === 'user';
  const parts: Record<string, unknown>[] = [];
  for (const part of content) {
    if (part.type === 'text') parts.push({ type: 'text', text: part.text });
    else if (imagesAllowed) parts.push(toImagePart(part));
    else warnings.push(`OpenAI does not accept image parts in ${message.role} messages; an image was not sent`);
  }
  // Every part was an image it cannot carry: OpenAI refuses an empty array (null needs tool calls).
  if (parts.length === 0) return message.toolCalls !== undefined && message.toolCalls.length > 0 ? null : '';
  return parts;
}

function toImagePart(part: Extract<ContentPart, { type: 'image_url' }>): Record<string, unknown> {
  return { type: 'image_url', image_url: { url: part.url, ...(part.detail === undefined ? {} : { detail: part.detail }) } };
}

/** Name of a `json_schema` format that has none (OpenAI requires one). */
const DEFAULT_SCHEMA_NAME = 'response';

/** The format as OpenAI's structured outputs take it: name, description and `strict` kept. */
function toResponseFormat(format: ResponseFormat, warnings: string[]): Record<string, unknown> {
  if (format.type !== 'json_schema') return { type: format.type };
  if (format.schema === undefined) {
    warnings.push('responseFormat json_schema without a schema was sent as json_object');
    return { type: 'json_object' };
  }
  const jsonSchema: Record<string, unknown> = { name: format.name ?? DEFAULT_SCHEMA_NAME };
  if (format.description !== undefined) jsonSchema.description = format.description;
  if (format.strict !== undefined) jsonSchema.strict = format.strict;
  jsonSchema.schema = format.schema;
  return { type: 'json_schema', json_schema: jsonSchema };
}
