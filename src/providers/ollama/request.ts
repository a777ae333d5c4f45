/**
 * Unified {@link ChatRequest} → Ollama `/api/chat` body. Sampling parameters go into
 * `options`; what Ollama cannot carry (tool choice, `user`, logit bias…) becomes a warning. Images given by
 * URL are refused before (`ollamaImageProblem`, the adapter's `refuses`): the engine routes
 * such a request elsewhere.
 */
import type { ChatMessage, ChatRequest, ContentPart, ToolCall } from '../../core/types.js';
import { imageDetailWarning, parseDataUrl, type ImagePart } from '../shared/images.js';
import { asksFor, strictToolsWarning, unsupportedWarnings } from '../shared/warnings.js';

/** The `/api/chat` body Switchyard sends (a subset of Ollama's; `keep_alive` is never set). */
export type OllamaBody = Record<string, unknown> & { model: string; messages: OllamaMessage[]; stream: boolean };

/** One message of an Ollama chat. Tool-call arguments are JSON objects, images bare base64. */
export interface OllamaMessage {
  role: ChatMessage['role'];
  content: string;
  images?: string[];
  tool_calls?: { id?: string; function: { name: string; arguments: Record<string, unknown> } }[];
  tool_name?: string;
  tool_call_id?: string;
}

/** Options of {@link toOllamaRequest}. */
export interface OllamaRequestOptions {
  model: string;
  stream: boolean;
  /** Provider name, used in warnings. @default 'ollama' */
  provider?: string;
}

/** What Ollama cannot take of an image (undefined: it can): `/api/chat` takes only base64 data, sent bare. */
export function ollamaImageProblem(image: ImagePart): string | undefined {
  return parseDataUrl(image.url) === undefined ? 'Ollama takes images only as base64 data URLs' : undefined;
}

/** Parameters `/api/chat` has no field for (neutral values, like `store: false`, need no warning). */
const UNSUPPORTED = ['user', 'logitBias', 'parallelToolCalls', 'reasoningEffort', 'serviceTier', 'store'] as const;

/** Builds the request body and the warnings for what could not be carried. */
export function toOllamaRequest(request: ChatRequest, options: OllamaRequestOptions): { body: OllamaBody; warnings: string[] } {
  const provider = options.provider ?? 'ollama';
  const warnings = unsupportedWarnings(request, UNSUPPORTED, provider);
  const toolNames = toolNamesById(request.messages);
  const body: OllamaBody = {
    model: options.model,
    messages: request.messages.map((message) => toMessage(message, toolNames, warnings, provider)),
    stream: options.stream,
  };
  const sampling: Record<string, unknown> = {};
  if (request.maxTokens !== undefined) sampling.num_predict = request.maxTokens;
  if (request.temperature !== undefined) sampling.temperature = request.temperature;
  if (request.topP !== undefined) sampling.top_p = request.topP;
  if (request.stop !== undefined && request.stop.length > 0) sampling.stop = request.stop;
  if (request.seed !== undefined) sampling.seed = request.seed;
  // A penalty of 0 asks for nothing: never sent.
  if (asksFor(request, 'frequencyPenalty')) sampling.frequency_penalty = request.frequencyPenalty;
  if (asksFor(request, 'presencePenalty')) sampling.presence_penalty = request.presencePenalty;
  if (Object.keys(sampling).length > 0) body.options = sampling;

  const sendTools = request.tools !== undefined && request.tools.length > 0 && request.toolChoice !== 'none';
  if (sendTools) {
    body.tools = request.tools!.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        parameters: tool.parameters ?? { type: 'object', properties: {} },
      },
    }));
    const strict = strictToolsWarning(request.tools!, provider);
    if (strict !== undefined) warnings.push(strict);
  }
  if (request.toolChoice === 'required' || typeof request.toolChoice === 'object') {
    warnings.push(`${provider} does not support "toolChoice" (the model decides whether to call a tool); it was not sent`);
  }
  const format = toFormat(request.responseFormat, warnings);
  if (format !== undefined) body.format = format;
  return { body, warnings };
}

function toMessage(message: ChatMessage, toolNames: ReadonlyMap<string, string>, warnings: string[], provider: string): OllamaMessage {
  const { text, images } = toContent(message.content, warnings, provider);
  const out: OllamaMessage = { role: message.role, content: text };
  if (images.length > 0) out.images = images;
  if (message.role === 'assistant' && message.toolCalls !== undefined && message.toolCalls.length > 0) {
    out.tool_calls = message.toolCalls.map((call) => toToolCall(call, warnings));
  }
  if (message.role === 'tool') {
    const name = message.name ?? (message.toolCallId === undefined ? undefined : toolNames.get(message.toolCallId));
    if (name !== undefined) out.tool_name = name;
    if (message.toolCallId !== undefined) out.tool_call_id = message.toolCallId;
  }
  return out;
}

/** Text parts are joined with newlines; images travel beside the text as bare base64 (no `detail`: a warning). */
function toContent(content: ChatMessage['content'], warnings: string[], provider: string): { text: string; images: string[] } {
  if (content === null) return { text: '', images: [] };
  if (typeof content === 'string') return { text: content, images: [] };
  const texts: string[] = [];
  const images: string[] = [];
  for (const part of content) {
    if (part.type === 'text') texts.push(part.text);
    else {
      // The engine routes requests with URL images elsewhere (`refuses`); a direct caller gets a warning.
      const data = parseDataUrl(part.url);
      if (data === undefined) {
        warnings.push(`${ollamaImageProblem(part)!}; an image given by URL was not sent`);
        continue;
      }
      images.push(data.data);
      const detail = imageDetailWarning(part, provider);
      if (detail !== undefined && !warnings.includes(detail)) warnings.push(detail);
    }
  }
  return { text: texts.join('\n'), images };
}

function toToolCall(call: ToolCall, warnings: string[]): NonNullable<OllamaMessage['tool_calls']>[number] {
  return { id: call.id, function: { name: call.name, arguments: toArguments(call, warnings) } };
}

/** Ollama wants arguments as a JSON object; unparsable or non-object text is sent as `{}` with a warning. */
function toArguments(call: ToolCall, warnings: string[]): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(call.arguments || '{}');
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // falls through to the warning
  }
  warnings.push(`the arguments of tool call ${call.id} are not a JSON object; they were sent as {}`);
  return {};
}

function toolNamesById(messages: readonly ChatMessage[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const message of messages) for (const call of message.toolCalls ?? []) names.set(call.id, call.name);
  return names;
}

function toFormat(format: ChatRequest['responseFormat'], warnings: string[]): 'json' | Record<string, unknown> | undefined {
  if (format === undefined || format.type === 'text') return undefined;
  if (format.type === 'json_object') return 'json';
  if (format.schema === undefined) {
    warnings.push('responseFormat json_schema without a schema was sent as format "json"');
    return 'json';
  }
  return format.schema;
}
