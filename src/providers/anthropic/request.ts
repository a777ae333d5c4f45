/**
 * Unified {@link ChatRequest} → Anthropic Messages request body. System messages move to the
 * top-level `system`, consecutive same-role turns are merged (the API wants user/assistant
 * alternation), tool calls and results become `tool_use`/`tool_result` blocks, and every
 * parameter Anthropic cannot take becomes a warning.
 */
import type { ChatMessage, ChatRequest, ContentPart } from '../../core/types.js';
import { imageDetailWarning, parseDataUrl, type ImagePart } from '../shared/images.js';
import { toolChoiceWithoutToolsWarning, unsupportedWarnings } from '../shared/warnings.js';
import { formatProblem, supportsStructuredOutputs, toStructured, toolSchema, type StructuredSupport } from './structured.js';

/** The Messages body Switchyard sends (a subset of Anthropic's). */
export type AnthropicBody = Record<string, unknown> & { model: string; max_tokens: number; messages: AnthropicMessage[] };

/** One turn of the `messages` array. */
export interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: string | Block[];
}

type Block = Record<string, unknown> & { type: string };

/** `max_tokens` sent when the request sets none (Anthropic requires the field). */
export const DEFAULT_MAX_TOKENS = 4096;

/** Options of {@link toAnthropicRequest}. */
export interface AnthropicRequestOptions {
  model: string;
  stream: boolean;
  /** `max_tokens` when the request has no `maxTokens`. @default DEFAULT_MAX_TOKENS (4096) */
  defaultMaxTokens?: number | undefined;
  /** Whether the model takes structured outputs (`output_config.format`). @default by the model name (Claude 4.5 and later) */
  structuredOutputs?: boolean | undefined;
  /** Whether tools marked `strict` go as strict tools (on a model with structured outputs). @default false */
  strictTools?: boolean | undefined;
}

const PROVIDER = 'Anthropic';
/** Parameters the Messages API has no field for (`responseFormat` is mapped apart: structured outputs). */
const UNSUPPORTED = ['seed', 'frequencyPenalty', 'presencePenalty', 'logitBias', 'reasoningEffort', 'serviceTier', 'store'] as const;
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

/** Builds the request body and the warnings for what could not be carried. */
export function toAnthropicRequest(request: ChatRequest, options: AnthropicRequestOptions): { body: AnthropicBody; warnings: string[] } {
  // A response format that cannot be sent is refused before (the adapter's `refuses`); a direct
  // caller gets it left out, with a warning.
  const structured = toStructured(request, options.model, supportFor(options));
  const warnings = [...(structured.formatProblem === undefined ? [] : unsupportedWarnings(request, ['responseFormat'], PROVIDER)), ...structured.warnings];
  warnings.push(...unsupportedWarnings(request, UNSUPPORTED, PROVIDER));
  const note = (warning: string): void => {
    if (!warnings.includes(warning)) warnings.push(warning);
  };
  const system = toSystem(request.messages, note);
  const body: AnthropicBody = {
    model: options.model,
    max_tokens: request.maxTokens ?? options.defaultMaxTokens ?? DEFAULT_MAX_TOKENS,
    messages: toMessages(request.messages, note, createToolIds()),
  };
  if (system !== undefined) body.system = system;
  if (request.temperature !== undefined) {
    const clamped = Math.min(1, Math.max(0, request.temperature));
    if (clamped !== request.temperature) note(`Anthropic temperature must be within 0..1; ${request.temperature} was sent as ${clamped}`);
    body.temperature = clamped;
  }
  // Current Claude models refuse both at once (400); temperature is the one they document.
  if (request.topP !== undefined) {
    if (request.temperature === undefined) body.top_p = request.topP;
    else note('Anthropic takes temperature or top_p, not both; top_p was not sent');
  }
  if (request.stop !== undefined && request.stop.length > 0) body.stop_sequences = request.stop;
  if (request.user !== undefined) body.metadata = { user_id: request.user };
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = request.tools.map((tool, index) => {
      const strict = structured.strictTools.get(index);
      return {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        ...(strict === undefined ? {} : { strict: true }),
        input_schema: strict ?? toolSchema(tool),
      };
    });
    const choice = toToolChoice(request.toolChoice, request.parallelToolCalls === false);
    if (choice !== undefined) body.tool_choice = choice;
  } else {
    const lone = toolChoiceWithoutToolsWarning(request.toolChoice, PROVIDER);
    if (lone !== undefined) note(lone);
  }
  if (structured.format !== undefined) body.output_config = { format: structured.format };
  if (options.stream) body.stream = true;
  return { body, warnings };
}

/** Whether structured outputs are used (the option when set, else by the model name), and strict tools (opt-in). */
function supportFor(options: AnthropicRequestOptions): StructuredSupport {
  return { native: options.structuredOutputs ?? supportsStructuredOutputs(options.model), strictTools: options.strictTools === true };
}

/** `tool_choice`, with `disable_parallel_tool_use` for `parallelToolCalls: false` (not on `none`, which calls no tool). */
function toToolChoice(choice: ChatRequest['toolChoice'], oneCallOnly: boolean): Record<string, unknown> | undefined {
  if (choice === undefined && !oneCallOnly) return undefined;
  const out: Record<string, unknown> =
    choice === undefined ? { type: 'auto' } : typeof choice !== 'string' ? { type: 'tool', name: choice.name } : { type: choice === 'required' ? 'any' : choice };
  if (oneCallOnly && out.type !== 'none') out.disable_parallel_tool_use = true;
  return out;
}

/**
 * Why Anthropic cannot honour the request's response format (undefined: it can): it needs a
 * model that takes structured outputs, a schema in the subset Anthropic accepts within its
 * limits, and no prefill. Strict tools are never a reason: they go without `strict` instead.
 */
export function anthropicFormatProblem(request: ChatRequest, options: Pick<AnthropicRequestOptions, 'model' | 'structuredOutputs'>): string | undefined {
  return formatProblem(request, options.model, options.structuredOutputs ?? supportsStructuredOutputs(options.model));
}

/** All system messages, in order: one string, or text blocks when there are several. */
function toSystem(messages: ChatMessage[], note: (warning: string) => void): string | Block[] | undefined {
  const texts: string[] = [];
  let seenOther = false;
  for (const message of messages) {
    if (message.role !== 'system') {
      seenOther = true;
      continue;
    }
    if (seenOther) note('Anthropic has no system turns inside a conversation; later system messages were moved to the top-level system prompt');
    const text = textOf(message.content, () => note('Anthropic accepts only text in the system prompt; an image was not sent'));
    if (text !== '') texts.push(text);
  }
  if (texts.length === 0) return undefined;
  return texts.length === 1 ? texts[0] : texts.map((text) => ({ type: 'text', text }));
}

/** Non-system messages as alternating turns: consecutive same-role turns are merged. */
function toMessages(messages: ChatMessage[], note: (warning: string) => void, toolId: ToolIds): AnthropicMessage[] {
  const turns: { role: 'user' | 'assistant'; blocks: Block[] }[] = [];
  for (const message of messages) {
    if (message.role === 'system') continue;
    if (message.name !== undefined) note('Anthropic has no message names; "name" was not sent');
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks = toBlocks(message, note, toolId);
    if (blocks.length === 0) {
      note(`Anthropic rejects empty messages; an empty ${message.role} message was not sent`);
      continue;
    }
    const last = turns.at(-1);
    if (last?.role === role) last.blocks.push(...blocks);
    else turns.push({ role, blocks });
  }
  return turns.map(({ role, blocks }) => {
    // In a user turn, tool results must come before any other content.
    const ordered = role === 'user' ? [...blocks.filter(isToolResult), ...blocks.filter((b) => !isToolResult(b))] : blocks;
    return { role, content: ordered.length === 1 && ordered[0]!.type === 'text' ? (ordered[0]!.text as string) : ordered };
  });
}

function isToolResult(block: Block): boolean {
  return block.type === 'tool_result';
}

function toBlocks(message: ChatMessage, note: (warning: string) => void, toolId: ToolIds): Block[] {
  if (message.role === 'tool') {
    const text = textOf(message.content, () => note('Anthropic tool results are sent as text here; an image was not sent'));
    return [{ type: 'tool_result', tool_use_id: toolId(message.toolCallId ?? '', 'tool_result'), content: text }];
  }
  const blocks: Block[] = [];
  const content = message.content;
  if (typeof content === 'string') {
    if (content !== '') blocks.push({ type: 'text', text: content });
  } else if (content !== null) {
    for (const part of content) {
      const block = part.type === 'text' ? textBlock(part.text) : toImage(part, message.role, note);
      if (block !== undefined) blocks.push(block);
    }
  }
  if (message.role === 'assistant') {
    for (const call of message.toolCalls ?? []) blocks.push({ type: 'tool_use', id: toolId(call.id, 'tool_use'), name: call.name, input: toInput(call.arguments, note) });
  }
  return blocks;
}

/** Tool ids Anthropic accepts; other providers write ids it refuses with a 400 (Kimi: `functions.get_weather:0`). */
const TOOL_ID = /^[a-zA-Z0-9_-]+$/;

/** The Anthropic id of a tool-call id, in a `tool_use` block or a `tool_result` block. */
type ToolIds = (id: string, block: 'tool_use' | 'tool_result') => string;

/**
 * Maps tool-call ids to ids Anthropic accepts, for one request: valid ones are kept, others get
 * `_` for each character it refuses. Every `tool_use` gets an id of its own (an id used again, in
 * the same turn or a later one, gets a suffix, `_2`); results take the ids given to their call's
 * id in order (results follow calls), the last one again when more results than calls come.
 */
function createToolIds(): ToolIds {
  const pending = new Map<string, string[]>();
  const latest = new Map<string, string>();
  const taken = new Set<string>();
  return (id, block) => {
    if (block === 'tool_result') {
      const next = pending.get(id)?.shift() ?? latest.get(id);
      if (next !== undefined) return next;
    }
    const base = TOOL_ID.test(id) ? id : id.replace(/[^a-zA-Z0-9_-]/g, '_') || 'call';
    let safe = base;
    for (let n = 2; taken.has(safe); n++) safe = `${base}_${n}`;
    taken.add(safe);
    latest.set(id, safe);
    if (block === 'tool_use') pending.set(id, [...(pending.get(id) ?? []), safe]);
    return safe;
  };
}

function textBlock(text: string): Block | undefined {
  return text === '' ? undefined : { type: 'text', text };
}

/** Anthropic's limit on an image's base64 text (a 400 "image exceeds 5 MB maximum" above it). */
const MAX_IMAGE_BASE64 = 5 * 1024 * 1024;
/** Anthropic's limit on images in one API request. */
const MAX_IMAGES = 100;

/**
 * What Anthropic cannot take of an image in a user message (undefined: it can): it takes
 * base64 data URLs of its four image types, of at most 5 MB of base64, and http(s) URLs.
 */
export function anthropicImageProblem(image: ImagePart): string | undefined {
  const data = parseDataUrl(image.url);
  if (data === undefined) return /^https?:\/\//i.test(image.url) ? undefined : 'Anthropic takes images as base64 data URLs or http(s) URLs';
  if (!IMAGE_TYPES.has(data.mediaType)) return `Anthropic does not accept images of type ${data.mediaType || 'unknown (the data URL names none)'}`;
  if (data.data.length > MAX_IMAGE_BASE64) return `Anthropic takes images of at most 5 MB (${MAX_IMAGE_BASE64} characters of base64); this one has ${data.data.length}`;
  return undefined;
}

/** Why Anthropic cannot take the request's images together (undefined: it can): more than {@link MAX_IMAGES} in its user turns. */
export function anthropicImageCountProblem(request: ChatRequest): string | undefined {
  let count = 0;
  for (const message of request.messages) {
    if (message.role === 'user' && Array.isArray(message.content)) count += message.content.filter((part) => part.type === 'image_url').length;
  }
  return count > MAX_IMAGES ? `Anthropic takes at most ${MAX_IMAGES} images in a request; this one has ${count}` : undefined;
}

/** An image as an `image` block: base64 from a data URL, or by URL. Images in other roles are a warning. */
function toImage(part: ImagePart, role: ChatMessage['role'], note: (warning: string) => void): Block | undefined {
  if (role !== 'user') {
    note(`Anthropic accepts images only in user messages; an image in a message of role ${role} was not sent`);
    return undefined;
  }
  // The engine routes requests with images Anthropic cannot take elsewhere (`refuses`); a
  // direct caller of this function gets a warning for them.
  const problem = anthropicImageProblem(part);
  if (problem !== undefined) {
    note(`${problem}; an image was not sent`);
    return undefined;
  }
  const detail = imageDetailWarning(part, PROVIDER);
  if (detail !== undefined) note(detail);
  const data = parseDataUrl(part.url);
  return { type: 'image', source: data === undefined ? { type: 'url', url: part.url } : { type: 'base64', media_type: data.mediaType, data: data.data } };
}

/** Tool-call arguments (JSON text) as the `input` object Anthropic requires. */
function toInput(args: string, note: (warning: string) => void): Record<string, unknown> {
  if (args.trim() === '') return {};
  try {
    const value: unknown = JSON.parse(args);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // falls through to the warning
  }
  note('Anthropic needs tool-call arguments as a JSON object; invalid arguments were sent as {}');
  return {};
}

function textOf(content: ChatMessage['content'], onImage: () => void): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  const texts: string[] = [];
  for (const part of content) {
    if (part.type === 'text') texts.push(part.text);
    else onImage();
  }
  return texts.join('\n');
}
