/**
 * Unified {@link ChatRequest} → Gemini `GenerateContentRequest`. System messages become
 * `systemInstruction`; user/assistant/tool turns become `user`/`model` `contents` (same-role
 * neighbours merged, as Gemini expects strict alternation); what cannot be carried is a warning.
 */
import type { ChatMessage, ChatRequest, ContentPart, ToolCall } from '../../core/types.js';
import { imageDetailWarning, parseDataUrl, type ImagePart } from '../shared/images.js';
import { asksFor, strictToolsWarning, toolChoiceWithoutToolsWarning, unsupportedWarnings } from '../shared/warnings.js';
import { requiresThoughtSignatures, SKIP_SIGNATURE, stepSignatures, unsignedCallsWarning } from './signatures.js';

/** A Gemini `Part` as Switchyard sends it. */
export type GeminiPart = Record<string, unknown>;
/** A Gemini `Content`: one turn. */
export interface GeminiContent {
  role: 'user' | 'model';
  parts: GeminiPart[];
}
/** The `GenerateContentRequest` body Switchyard sends (a subset of Gemini's). */
export type GeminiBody = Record<string, unknown> & { contents: GeminiContent[] };

/** Options of {@link toGeminiRequest}. */
export interface GeminiRequestOptions {
  /**
   * The model answering (`gemini-1.5-flash`, `models/…`): only Gemini 1.5 takes penalties, and
   * Gemini 3 needs thought signatures on replayed function calls.
   * @default unknown: no penalties, and the signature stand-in where a signature is missing
   */
  model?: string | undefined;
}

/** Gemini accepts at most this many stop sequences. */
export const MAX_STOP_SEQUENCES = 5;
const TEMPERATURE_RANGE = [0, 2] as const;
/** Models that take `frequencyPenalty` and `presencePenalty`; later ones answer "Penalty is not enabled" with a 400. */
const TAKES_PENALTIES = /^gemini-1\.5/;
/** Penalties must be at least -2 and below 2. */
const PENALTY_RANGE = [-2, 1.99] as const;
const PROVIDER = 'Gemini';
/** Parameters Gemini has no field for (neutral values, like `store: false`, need no warning). */
const UNSUPPORTED = ['user', 'logitBias', 'parallelToolCalls', 'reasoningEffort', 'serviceTier', 'store'] as const;

/** Builds the request body and the warnings for what could not be carried. */
export function toGeminiRequest(request: ChatRequest, options: GeminiRequestOptions = {}): { body: GeminiBody; warnings: string[] } {
  const warnings = unsupportedWarnings(request, UNSUPPORTED, PROVIDER);
  const system: GeminiPart[] = [];
  const contents: GeminiContent[] = [];
  const callNames = new Map<string, string>();
  const signaturesRequired = requiresThoughtSignatures(options.model);
  const unsigned: ToolCall[] = [];
  let namesDropped = false;

  for (const message of request.messages) {
    if (message.name !== undefined && message.role !== 'tool') namesDropped = true;
    if (message.role === 'system') {
      system.push(...textParts(message, warnings));
      continue;
    }
    const turn: GeminiContent = { role: message.role === 'assistant' ? 'model' : 'user', parts: [] };
    if (message.role === 'tool') turn.parts.push(toFunctionResponse(message, callNames, warnings));
    else turn.parts.push(...toParts(message, warnings));
    const calls = message.role === 'assistant' ? (message.toolCalls ?? []) : [];
    const signatures = stepSignatures(calls, signaturesRequired);
    calls.forEach((call, i) => {
      callNames.set(call.id, call.name);
      const thoughtSignature = signatures[i];
      if (thoughtSignature === SKIP_SIGNATURE) unsigned.push(call);
      turn.parts.push({ functionCall: { name: call.name, args: toArgs(call.arguments, call.name, warnings) }, ...(thoughtSignature === undefined ? {} : { thoughtSignature }) });
    });
    if (turn.parts.length === 0) continue;
    const previous = contents.at(-1);
    if (previous?.role === turn.role) previous.parts.push(...turn.parts);
    else contents.push(turn);
  }
  if (namesDropped) warnings.push('Gemini has no message names; "name" was not sent');
  const unsignedWarning = unsignedCallsWarning(unsigned);
  if (unsignedWarning !== undefined) warnings.push(unsignedWarning);

  const body: GeminiBody = { contents };
  if (system.length > 0) body.systemInstruction = { parts: system };
  const generationConfig = toGenerationConfig(request, options.model, warnings);
  if (Object.keys(generationConfig).length > 0) body.generationConfig = generationConfig;
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = [
      {
        functionDeclarations: request.tools.map((tool) => ({
          name: tool.name,
          ...(tool.description === undefined ? {} : { description: tool.description }),
          ...(tool.parameters === undefined ? {} : { parametersJsonSchema: tool.parameters }),
        })),
      },
    ];
    const strict = strictToolsWarning(request.tools, PROVIDER);
    if (strict !== undefined) warnings.push(strict);
    if (request.toolChoice !== undefined) body.toolConfig = { functionCallingConfig: toFunctionCallingConfig(request.toolChoice) };
  } else {
    // A function calling config without function declarations is refused.
    const lone = toolChoiceWithoutToolsWarning(request.toolChoice, PROVIDER);
    if (lone !== undefined) warnings.push(lone);
  }
  return { body, warnings };
}

function toGenerationConfig(request: ChatRequest, model: string | undefined, warnings: string[]): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  if (request.maxTokens !== undefined) config.maxOutputTokens = request.maxTokens;
  if (request.temperature !== undefined) {
    const [low, high] = TEMPERATURE_RANGE;
    const clamped = Math.min(high, Math.max(low, request.temperature));
    if (clamped !== request.temperature) warnings.push(`Gemini temperature must be within ${low}..${high}; ${request.temperature} was sent as ${clamped}`);
    config.temperature = clamped;
  }
  if (request.topP !== undefined) config.topP = request.topP;
  for (const param of ['frequencyPenalty', 'presencePenalty'] as const) {
    const penalty = toPenalty(request, param, model, warnings);
    if (penalty !== undefined) config[param] = penalty;
  }
  if (request.stop !== undefined && request.stop.length > 0) {
    if (request.stop.length > MAX_STOP_SEQUENCES) {
      warnings.push(`Gemini accepts at most ${MAX_STOP_SEQUENCES} stop sequences; only the first ${MAX_STOP_SEQUENCES} were sent`);
    }
    config.stopSequences = request.stop.slice(0, MAX_STOP_SEQUENCES);
  }
  if (request.seed !== undefined) config.seed = request.seed;
  const format = request.responseFormat;
  if (format !== undefined && format.type !== 'text') {
    config.responseMimeType = 'application/json';
    if (format.type === 'json_schema') {
      if (format.schema === undefined) warnings.push('responseFormat json_schema without a schema was sent as json_object');
      else config.responseJsonSchema = format.schema;
    }
  }
  return config;
}

/** A penalty Gemini takes (1.5 models only, below 2), or undefined; a penalty of 0 asks for nothing and is never sent. */
function toPenalty(request: ChatRequest, param: 'frequencyPenalty' | 'presencePenalty', model: string | undefined, warnings: string[]): number | undefined {
  if (!asksFor(request, param)) return undefined;
  const name = model?.split('/').at(-1);
  if (name === undefined || !TAKES_PENALTIES.test(name)) {
    warnings.push(`Gemini enables penalties only for gemini-1.5 models, not ${name ?? 'an unnamed model'}; "${param}" was not sent`);
    return undefined;
  }
  const [low, high] = PENALTY_RANGE;
  const penalty = request[param]!;
  const clamped = Math.min(high, Math.max(low, penalty));
  if (clamped !== penalty) warnings.push(`Gemini ${param} must be within ${low}..${high}; ${penalty} was sent as ${clamped}`);
  return clamped;
}

function toFunctionCallingConfig(choice: NonNullable<ChatRequest['toolChoice']>): Record<string, unknown> {
  if (typeof choice !== 'string') return { mode: 'ANY', allowedFunctionNames: [choice.name] };
  return { mode: choice === 'required' ? 'ANY' : choice.toUpperCase() };
}

/** Text and images of a user or assistant message. */
function toParts(message: ChatMessage, warnings: string[]): GeminiPart[] {
  const content = message.content;
  if (content === null) return [];
  if (typeof content === 'string') return content === '' && message.toolCalls?.length ? [] : [{ text: content }];
  return content.flatMap((part) => (part.type === 'text' ? [{ text: part.text }] : toImage(part, warnings)));
}

/** System (and tool) content is text only: images there are dropped with a warning. */
function textParts(message: ChatMessage, warnings: string[]): GeminiPart[] {
  const content = message.content;
  if (content === null) return [];
  if (typeof content === 'string') return [{ text: content }];
  const texts = content.filter((part) => part.type === 'text').map((part) => ({ text: part.text }));
  if (texts.length < content.length) warnings.push(`Gemini does not accept image parts in ${message.role} messages; an image was not sent`);
  return texts;
}

/** The image types Gemini takes (others, GIF and SVG included, get a 400 "Unsupported MIME type"). */
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif']);

/**
 * What Gemini cannot take of an image in a user or model message (undefined: it can): only
 * inline data, with its media type, and no `image/*` type other than its five (other inline
 * data, such as a PDF, goes as given: Gemini reads it).
 */
export function geminiImageProblem(image: ImagePart): string | undefined {
  const data = parseDataUrl(image.url);
  if (data === undefined) return 'Gemini takes images only inline, as base64 data URLs';
  if (data.mediaType === '') return 'Gemini needs the media type of an inline image (data:image/png;base64,…)';
  return data.mediaType.startsWith('image/') && !IMAGE_TYPES.has(data.mediaType) ? `Gemini does not accept images of type ${data.mediaType}` : undefined;
}

function toImage(part: ImagePart, warnings: string[]): GeminiPart[] {
  // The engine routes requests with images Gemini cannot take elsewhere (`refuses`); a
  // direct caller gets a warning.
  const problem = geminiImageProblem(part);
  if (problem !== undefined) {
    warnings.push(`${problem}; an image was not sent`);
    return [];
  }
  const detail = imageDetailWarning(part, PROVIDER);
  if (detail !== undefined && !warnings.includes(detail)) warnings.push(detail);
  const data = parseDataUrl(part.url)!;
  return [{ inlineData: { mimeType: data.mediaType, data: data.data } }];
}

/** A tool result: `functionResponse.response` must be a JSON object, so other values are wrapped as `{output}`. */
function toFunctionResponse(message: ChatMessage, callNames: Map<string, string>, warnings: string[]): GeminiPart {
  const name = callNames.get(message.toolCallId ?? '') ?? message.name;
  if (name === undefined) warnings.push(`Gemini needs the function name of a tool result; the call "${message.toolCallId ?? ''}" was not found`);
  const text = textParts(message, warnings)
    .map((part) => part.text)
    .join('');
  return { functionResponse: { name: name ?? 'unknown', response: toResponseObject(text) } };
}

function toResponseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    return { output: value };
  } catch {
    return { output: text };
  }
}

function toArgs(text: string, name: string, warnings: string[]): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the warning
  }
  warnings.push(`Gemini needs tool-call arguments as a JSON object; the arguments of "${name}" were sent as {}`);
  return {};
}
