/**
 * The checks a library request gets before routing: its shape, field by field, so that a
 * malformed request is refused naming the field (`messages[1].toolCallId`) instead of being
 * sent upstream. The gateway validates OpenAI's shape with zod before translating; this is
 * the library's own, hand-written because it runs on every request.
 */
import { RequestError } from '../core/errors.js';
import type { ChatMessage, ChatRequest, ToolCall, ToolCallSignature, ToolDefinition } from '../core/types.js';

/** The few checks the engine needs before routing; the gateway validates the full shape. */
export function validateRequest(request: ChatRequest): void {
  if (typeof request !== 'object' || request === null) {
    throw new RequestError({ code: 'invalid_request', message: 'the request must be an object', param: '' });
  }
  if (!Array.isArray(request.messages) || request.messages.length === 0) {
    throw new RequestError({ code: 'invalid_request', message: 'messages must be a non-empty array', param: 'messages' });
  }
  const invalid = (param: string, message: string): never => {
    throw new RequestError({ code: 'invalid_request', message: `${param}: ${message}`, param });
  };
  for (let i = 0; i < request.messages.length; i++) {
    const message = request.messages[i] as Partial<ChatMessage> | null;
    const at = `messages[${i}]`;
    if (typeof message !== 'object' || message === null) invalid(at, 'must be an object');
    if (!ROLES.has(message!.role as string)) invalid(`${at}.role`, `must be one of ${[...ROLES].map((r) => `"${r}"`).join(', ')}`);
    const content = message!.content;
    if (Array.isArray(content)) {
      for (let j = 0; j < content.length; j++) checkPart(content[j], `${at}.content[${j}]`, invalid);
    } else if (content !== null && content !== undefined && typeof content !== 'string') {
      invalid(`${at}.content`, 'must be a string, an array of parts, or null');
    }
    if (message!.name !== undefined && typeof message!.name !== 'string') invalid(`${at}.name`, 'must be a string');
    const { toolCallId, toolCalls } = message!;
    if (message!.role === 'tool' ? !(typeof toolCallId === 'string' && toolCallId !== '') : toolCallId !== undefined && typeof toolCallId !== 'string') {
      invalid(`${at}.toolCallId`, message!.role === 'tool' ? 'a tool message must name the call it answers (a non-empty string)' : 'must be a string');
    }
    if (toolCalls !== undefined) {
      if (!Array.isArray(toolCalls)) invalid(`${at}.toolCalls`, 'must be an array');
      for (let j = 0; j < toolCalls!.length; j++) {
        const call = toolCalls![j] as Partial<ToolCall> | null;
        const where = `${at}.toolCalls[${j}]`;
        if (typeof call !== 'object' || call === null) invalid(where, 'must be an object { id, name, arguments }');
        if (typeof call!.id !== 'string') invalid(`${where}.id`, 'must be a string');
        if (typeof call!.name !== 'string' || call!.name === '') invalid(`${where}.name`, 'must be a non-empty string');
        if (typeof call!.arguments !== 'string') invalid(`${where}.arguments`, 'must be a string (the arguments as JSON text)');
        const signature = call!.signature as Partial<ToolCallSignature> | null | undefined;
        if (signature !== undefined && (typeof signature !== 'object' || signature === null || typeof signature.vendor !== 'string' || typeof signature.value !== 'string')) {
          invalid(`${where}.signature`, 'must be an object { vendor, value } of strings, as the answer gave it');
        }
      }
    }
  }
  const { maxTokens, temperature, topP, stop, model, task, tools, toolChoice, responseFormat, seed, user, metadata } = request;
  if (maxTokens !== undefined && !(Number.isInteger(maxTokens) && maxTokens > 0)) invalid('maxTokens', 'must be a positive integer');
  if (temperature !== undefined && !(typeof temperature === 'number' && temperature >= 0 && temperature <= 2)) invalid('temperature', 'must be a number from 0 to 2');
  if (topP !== undefined && !(typeof topP === 'number' && topP >= 0 && topP <= 1)) invalid('topP', 'must be a number from 0 to 1');
  if (stop !== undefined && !(Array.isArray(stop) && stop.every((s) => typeof s === 'string'))) invalid('stop', 'must be an array of strings');
  if (model !== undefined && typeof model !== 'string') invalid('model', 'must be a string');
  if (task !== undefined && typeof task !== 'string') invalid('task', 'must be a string');
  if (seed !== undefined && !Number.isInteger(seed)) invalid('seed', 'must be an integer');
  if (user !== undefined && typeof user !== 'string') invalid('user', 'must be a string');
  if (tools !== undefined) {
    if (!Array.isArray(tools)) invalid('tools', 'must be an array');
    for (let j = 0; j < tools!.length; j++) {
      const tool = tools![j] as Partial<ToolDefinition> | null;
      if (typeof tool !== 'object' || tool === null) invalid(`tools[${j}]`, 'must be an object { name, description?, parameters? }');
      if (typeof tool!.name !== 'string' || tool!.name === '') invalid(`tools[${j}].name`, 'must be a non-empty string');
      if (tool!.description !== undefined && typeof tool!.description !== 'string') invalid(`tools[${j}].description`, 'must be a string');
      if (tool!.parameters !== undefined && !isPlainObject(tool!.parameters)) invalid(`tools[${j}].parameters`, 'must be an object (a JSON Schema)');
      if (nestedDeeperThan(tool!.parameters, MAX_SCHEMA_DEPTH)) invalid(`tools[${j}].parameters`, TOO_DEEP);
      if (tool!.strict !== undefined && typeof tool!.strict !== 'boolean') invalid(`tools[${j}].strict`, 'must be a boolean');
    }
  }
  if (toolChoice !== undefined && !(TOOL_CHOICES.has(toolChoice as string) || (isPlainObject(toolChoice) && typeof toolChoice.name === 'string' && toolChoice.name !== ''))) {
    invalid('toolChoice', 'must be "auto", "none", "required" or { name }');
  }
  if (responseFormat !== undefined) {
    if (!isPlainObject(responseFormat) || !RESPONSE_FORMATS.has(responseFormat.type)) invalid('responseFormat', 'must be { type: "text" | "json_object" | "json_schema", schema? }');
    const { schema, name, description, strict } = responseFormat!;
    if (schema !== undefined && !isPlainObject(schema)) invalid('responseFormat.schema', 'must be an object (a JSON Schema)');
    if (nestedDeeperThan(schema, MAX_SCHEMA_DEPTH)) invalid('responseFormat.schema', TOO_DEEP);
    if (name !== undefined && typeof name !== 'string') invalid('responseFormat.name', 'must be a string');
    if (description !== undefined && typeof description !== 'string') invalid('responseFormat.description', 'must be a string');
    if (strict !== undefined && typeof strict !== 'boolean') invalid('responseFormat.strict', 'must be a boolean');
  }
  const { frequencyPenalty, presencePenalty, logitBias, parallelToolCalls, reasoningEffort, serviceTier, store } = request;
  if (frequencyPenalty !== undefined && !isWithin(frequencyPenalty, -2, 2)) invalid('frequencyPenalty', 'must be a number from -2 to 2');
  if (presencePenalty !== undefined && !isWithin(presencePenalty, -2, 2)) invalid('presencePenalty', 'must be a number from -2 to 2');
  if (logitBias !== undefined && !(isPlainObject(logitBias) && Object.values(logitBias).every((bias) => isWithin(bias, -100, 100)))) {
    invalid('logitBias', 'must be an object of token ids to numbers from -100 to 100');
  }
  if (parallelToolCalls !== undefined && typeof parallelToolCalls !== 'boolean') invalid('parallelToolCalls', 'must be a boolean');
  // OpenAI adds levels and tiers from time to time: any lower-case word goes, the upstream judges it.
  if (reasoningEffort !== undefined && !isLevelName(reasoningEffort)) invalid('reasoningEffort', 'must be a lower-case word such as "low" or "high"');
  if (serviceTier !== undefined && !isLevelName(serviceTier)) invalid('serviceTier', 'must be a lower-case word such as "auto" or "flex"');
  if (store !== undefined && typeof store !== 'boolean') invalid('store', 'must be a boolean');
  if (metadata !== undefined && !(isPlainObject(metadata) && Object.values(metadata).every((value) => typeof value === 'string'))) {
    invalid('metadata', 'must be an object of strings');
  }
}

/** One part of a message's content: `{ type: 'text', text }` or `{ type: 'image_url', url, detail? }`. */
function checkPart(part: unknown, at: string, invalid: (param: string, message: string) => never): void {
  const value = part as Partial<{ type: string; text: unknown; url: unknown; detail: unknown }> | null;
  if (typeof value !== 'object' || value === null) return invalid(at, 'must be a content part object');
  if (value.type === 'text') {
    if (typeof value.text !== 'string') invalid(`${at}.text`, 'must be a string');
  } else if (value.type === 'image_url') {
    if (typeof value.url !== 'string' || value.url === '') invalid(`${at}.url`, 'must be a non-empty string');
    if (value.detail !== undefined && !IMAGE_DETAILS.has(value.detail as string)) invalid(`${at}.detail`, 'must be "auto", "low" or "high"');
  } else {
    invalid(`${at}.type`, 'must be "text" or "image_url"');
  }
}

/**
 * How deep a JSON Schema (a tool's parameters, a response format's schema) may nest objects
 * and arrays. Adapters serialize and rewrite schemas recursively: a schema thousands of levels
 * deep would overflow the stack there and count as an upstream failure, against the provider.
 */
export const MAX_SCHEMA_DEPTH = 100;
const TOO_DEEP = `must not nest objects and arrays more than ${MAX_SCHEMA_DEPTH} levels deep`;

/** Whether `value` nests objects and arrays more than `limit` levels deep (stops as soon as it does). */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (limit === 0) return true;
  for (const child of Object.values(value)) if (nestedDeeperThan(child, limit - 1)) return true;
  return false;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isWithin(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && value >= min && value <= max;
}

const TOOL_CHOICES: ReadonlySet<string> = new Set(['auto', 'none', 'required']);
const RESPONSE_FORMATS: ReadonlySet<unknown> = new Set(['text', 'json_object', 'json_schema']);
const IMAGE_DETAILS: ReadonlySet<string> = new Set(['auto', 'low', 'high']);

/**
 * A request id a caller may choose: 1–128 of `[A-Za-z0-9._:-]`, so that it is a valid header
 * value (it is sent upstream as `x-request-id`) and safe in a log line.
 */
export function isRequestId(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(value);
}

/** A reasoning effort or service tier as OpenAI spells them (`low`, `xhigh`, `priority`). */
export function isLevelName(value: unknown): value is string {
  return typeof value === 'string' && /^[a-z][a-z_]{0,31}$/.test(value);
}
const ROLES: ReadonlySet<string> = new Set(['system', 'user', 'assistant', 'tool']);
