/**
 * Unified {@link ChatRequest} → OpenAI Chat Completions request body. Everything the unified
 * model has maps, as OpenAI names it; what cannot (image parts in assistant or tool messages,
 * what a model family refuses (families.ts), logit bias for other tokenizers, stop sequences
 * past the fourth) becomes a warning.
 */
import type { ChatMessage, ChatRequest, ContentPart, ResponseFormat } from '../../core/types.js';
import { asksFor, toolChoiceWithoutToolsWarning } from '../shared/warnings.js';
import { familyWarning, modelFamily, type FamilyParam } from './families.js';

/** The Chat Completions body Switchyard sends (a subset of OpenAI's). */
export type OpenAIBody = Record<string, unknown> & { model: string; messages: Record<string, unknown>[] };

/** Options of {@link toOpenAIRequest}. */
export interface OpenAIRequestOptions {
  model: string;
  stream: boolean;
  /** Field carrying `maxTokens`. @default 'max_tokens' ('max_completion_tokens' for reasoning models) */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens' | undefined;
  /** Whether the model reasons (o-series, gpt-5), for names that do not tell. @default guessed from `model` */
  reasoning?: boolean | undefined;
  /** Where the body goes: `logit_bias` is sent only to OpenAI's and Azure OpenAI's hosts. @default 'https://api.openai.com/v1' */
  baseUrl?: string | undefined;
}

/** Chat Completions accepts at most this many stop sequences. */
const MAX_STOP_SEQUENCES = 4;
/** Hosts that count tokens with OpenAI's tokenizers, so `logit_bias` ids mean what the caller meant. */
const OPENAI_TOKENIZER_HOST = /^(api\.openai\.com|[^.]+\.openai\.azure\.com|[^.]+\.cognitiveservices\.azure\.com)$/;

/** Builds the request body and the warnings for what could not be carried. */
export function toOpenAIRequest(request: ChatRequest, options: OpenAIRequestOptions): { body: OpenAIBody; warnings: string[] } {
  const warnings: string[] = [];
  const body: OpenAIBody = { model: options.model, messages: request.messages.map((m) => toMessage(m, warnings)) };
  const family = modelFamily(options.model, options.reasoning);
  // Whether the family takes `param`; a value it refuses is left out, with a warning unless neutral.
  const takes = (param: FamilyParam): boolean => {
    if (!family.refuses.has(param)) return true;
    if (asksFor(request, param)) warnings.push(familyWarning(family, options.model, param));
    return false;
  };
  if (request.maxTokens !== undefined) {
    const field = options.maxTokensField ?? (family.reasoning ? 'max_completion_tokens' : 'max_tokens');
    body[field] = request.maxTokens;
  }
  if (request.temperature !== undefined && takes('temperature')) body.temperature = request.temperature;
  if (request.topP !== undefined && takes('topP')) body.top_p = request.topP;
  // A penalty of 0 and an empty bias ask for nothing: never sent.
  if (asksFor(request, 'frequencyPenalty') && takes('frequencyPenalty')) body.frequency_penalty = request.frequencyPenalty;
  if (asksFor(request, 'presencePenalty') && takes('presencePenalty')) body.presence_penalty = request.presencePenalty;
  if (asksFor(request, 'logitBias') && takes('logitBias')) {
    const host = hostOf(options.baseUrl);
    if (host === undefined || OPENAI_TOKENIZER_HOST.test(host)) body.logit_bias = request.logitBias;
    else warnings.push(`logit_bias holds OpenAI token ids, which may mean other tokens on ${host}; "logitBias" was not sent`);
  }
  if (request.stop !== undefined && request.stop.length > 0 && takes('stop')) {
    if (request.stop.length > MAX_STOP_SEQUENCES) {
      warnings.push(`OpenAI accepts at most ${MAX_STOP_SEQUENCES} stop sequences; only the first ${MAX_STOP_SEQUENCES} were sent`);
    }
    body.stop = request.stop.slice(0, MAX_STOP_SEQUENCES);
  }
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.user !== undefined) body.user = request.user;
  // OpenAI refuses tool_choice and parallel_tool_calls without tools.
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
    if (request.toolChoice !== undefined) {
      body.tool_choice =
        typeof request.toolChoice === 'string' ? request.toolChoice : { type: 'function', function: { name: request.toolChoice.name } };
    }
    if (request.parallelToolCalls !== undefined && takes('parallelToolCalls')) body.parallel_tool_calls = request.parallelToolCalls;
  } else {
    const lone = toolChoiceWithoutToolsWarning(request.toolChoice, 'OpenAI');
    if (lone !== undefined) warnings.push(lone);
  }
  if (request.responseFormat !== undefined) body.response_format = toResponseFormat(request.responseFormat, warnings);
  if (request.reasoningEffort !== undefined && takes('reasoningEffort')) body.reasoning_effort = request.reasoningEffort;
  if (request.serviceTier !== undefined) body.service_tier = request.serviceTier;
  if (request.store !== undefined) body.store = request.store;
  if (options.stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return { body, warnings };
}

/** The host of `baseUrl`, lower-cased; `undefined` for OpenAI's default. */
function hostOf(baseUrl: string | undefined): string | undefined {
  if (baseUrl === undefined) return undefined;
  try {
    return new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return baseUrl;
  }
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
