/**
 * The Anthropic fake: exact Messages JSON, the SSE event sequence with `event:` lines
 * (`message_start`, `content_block_start`/`_delta`/`_stop`, `ping`, `message_delta`,
 * `message_stop`), Anthropic's error JSON `{type: "error", error: {type, message}}` with its
 * statuses (529 overloaded, 429 with `retry-after` and the `anthropic-ratelimit-*` headers),
 * its 400 for tool ids outside `^[a-zA-Z0-9_-]+$`, for JSON output formats it refuses
 * (`output_config.format` on older models, the deprecated `output_format`; a scripted reply's
 * content is the JSON text), for `strict` tools on older models and for images it refuses (a
 * media type other than its four, base64 over 5 MB, more than 100 images), and `GET /v1/models`. A reply's `reasoning`
 * is an extended-thinking `thinking` block first (streamed as `thinking_delta`s and a
 * `signature_delta`); `input_tokens` excludes cache reads and writes.
 */
import type { FakeWire, FaultKind, RecordedRequest, ResolvedReply, WireReply } from './types.js';

const MESSAGE_ID = 'msg_01FakeXFDUDYJgAACzvnptvV';
const REQUEST_ID = 'req_011CFakeA1b2C3d4E5f6G7h8';
const DEFAULT_MODEL = 'claude-sonnet-4-6';
const SIGNATURE = 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds';

type AnthropicError = { status: number; type: string; message: string; headers?: Record<string, string> };

const ERRORS: Record<FaultKind, AnthropicError> = {
  rate_limit: {
    status: 429,
    type: 'rate_limit_error',
    message: 'This request would exceed the rate limit for your organization (fake-org) of 50 requests per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits.',
    headers: {
      'retry-after': '20',
      'anthropic-ratelimit-requests-limit': '50',
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': '2026-01-01T00:00:20Z',
    },
  },
  quota: { status: 402, type: 'billing_error', message: 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.' },
  server: { status: 500, type: 'api_error', message: 'Internal server error' },
  overloaded: { status: 529, type: 'overloaded_error', message: 'Overloaded' },
  unavailable: { status: 503, type: 'api_error', message: 'Service unavailable' },
  auth: { status: 401, type: 'authentication_error', message: 'invalid x-api-key' },
  model_not_found: { status: 404, type: 'not_found_error', message: 'model: claude-nonexistent' },
  bad_request: { status: 400, type: 'invalid_request_error', message: 'temperature: range: 0..1' },
  context_length: { status: 400, type: 'invalid_request_error', message: 'prompt is too long: 210843 tokens > 200000 maximum' },
  content_filter: { status: 400, type: 'invalid_request_error', message: 'Output blocked by content filtering policy' },
};

const errorBody = (error: AnthropicError, message?: string) => ({
  type: 'error',
  error: { type: error.type, message: message ?? error.message },
  request_id: REQUEST_ID,
});

const STOP_REASON: Record<ResolvedReply['finish'], string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
};

/** The Anthropic Messages wire. */
export const anthropicWire: FakeWire = {
  name: 'anthropic',
  basePath: '/v1',
  isStream: (request) => (request.json as { stream?: unknown } | undefined)?.stream === true,
  json(reply) {
    const content: unknown[] = reply.reasoning === '' ? [] : [{ type: 'thinking', thinking: reply.reasoning, signature: SIGNATURE }];
    if (reply.content !== '') content.push({ type: 'text', text: reply.content, citations: null });
    for (const call of reply.toolCalls) content.push({ type: 'tool_use', id: call.id, name: call.name, input: JSON.parse(call.arguments) as unknown });
    return {
      id: MESSAGE_ID,
      type: 'message',
      role: 'assistant',
      model: reply.model ?? DEFAULT_MODEL,
      content,
      stop_reason: STOP_REASON[reply.finish],
      stop_sequence: null,
      ...(reply.usage === null ? {} : { usage: usageOf(reply.usage, reply.usage.output) }),
    };
  },
  stream(reply) {
    const frames: string[] = [];
    const push = (type: string, data: Record<string, unknown>) => frames.push(frame(type, { type, ...data }));
    push('message_start', {
      message: {
        id: MESSAGE_ID,
        type: 'message',
        role: 'assistant',
        model: reply.model ?? DEFAULT_MODEL,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        ...(reply.usage === null ? {} : { usage: usageOf(reply.usage, 1) }),
      },
    });
    let index = 0;
    if (reply.reasoning !== '') {
      push('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      for (const thinking of reply.reasoningChunks) push('content_block_delta', { index, delta: { type: 'thinking_delta', thinking } });
      push('content_block_delta', { index, delta: { type: 'signature_delta', signature: SIGNATURE } });
      push('content_block_stop', { index });
      index += 1;
    }
    if (reply.content !== '' || reply.toolCalls.length === 0) {
      push('content_block_start', { index, content_block: { type: 'text', text: '', citations: null } });
      push('ping', {});
      for (const text of reply.chunks) push('content_block_delta', { index, delta: { type: 'text_delta', text } });
      push('content_block_stop', { index });
      index += 1;
    }
    for (const call of reply.toolCalls) {
      push('content_block_start', { index, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } });
      // A call without arguments gets one empty input_json_delta: its input is the `{}` of the start.
      const pieces = Object.keys(JSON.parse(call.arguments) as object).length === 0 ? [''] : ['', ...splitInTwo(call.arguments)];
      for (const piece of pieces) push('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: piece } });
      push('content_block_stop', { index });
      index += 1;
    }
    push('message_delta', {
      delta: { stop_reason: STOP_REASON[reply.finish], stop_sequence: null },
      ...(reply.usage === null ? {} : { usage: { ...inputCounts(reply.usage), output_tokens: reply.usage.output } }),
    });
    push('message_stop', {});
    return { contentType: 'text/event-stream; charset=utf-8', frames, terminatorFrames: 1 };
  },
  error(kind, message): WireReply {
    const error = ERRORS[kind];
    const headers = { 'request-id': REQUEST_ID, 'x-should-retry': String(error.status >= 500 || error.status === 429), ...error.headers };
    return { status: error.status, body: errorBody(error, message), headers };
  },
  streamError: (kind) => frame('error', errorBody(ERRORS[kind])),
  refuse: (request) => {
    const problem = toolIdProblem(request.json) ?? outputFormatProblem(request.json) ?? strictToolProblem(request.json) ?? imageProblem(request.json);
    return problem === undefined ? undefined : { status: 400, body: errorBody({ ...ERRORS.bad_request, message: problem }), headers: { 'request-id': REQUEST_ID } };
  },
  // Anthropic takes `x-api-key`; recent SDKs send `Authorization: Bearer` instead.
  credential: (request) => headerValue(request.headers['x-api-key']) ?? /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1],
  other(request: RecordedRequest) {
    if (request.method !== 'GET' || !request.path.startsWith('/v1/models')) return undefined;
    return {
      status: 200,
      body: {
        data: [{ type: 'model', id: DEFAULT_MODEL, display_name: 'Claude Sonnet 4.6', created_at: '2026-02-17T00:00:00Z' }],
        has_more: false,
        first_id: DEFAULT_MODEL,
        last_id: DEFAULT_MODEL,
      },
    };
  },
};

/**
 * Models with structured outputs (GA on the Claude API: Sonnet/Opus/Haiku 4.5, Opus/Sonnet 4.6,
 * Opus 4.7), by id or alias; the fake refuses `output_config.format` and strict tools for the others.
 */
const STRUCTURED_OUTPUT_MODELS = /^claude-(?:sonnet-4-[56]|opus-4-[5-7]|haiku-4-5)(?:-\d{8})?$/;

/**
 * Anthropic's 400 for a JSON output format it refuses, or `undefined`: the deprecated beta field
 * `output_format`, an `output_config.format` that is not a `json_schema` with a schema object,
 * and a model without structured outputs (the messages are the fake's own wording).
 */
function outputFormatProblem(body: unknown): string | undefined {
  const { model, output_format: beta, output_config: config } = (body ?? {}) as { model?: unknown; output_format?: unknown; output_config?: unknown };
  if (beta !== undefined) return "output_format: This field is deprecated. Use 'output_config.format' instead.";
  const format = (config as { format?: unknown } | undefined)?.format;
  if (format === undefined) return undefined;
  const { type, schema } = format as { type?: unknown; schema?: unknown };
  if (type !== 'json_schema') return "output_config.format.type: Input should be 'json_schema'";
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return 'output_config.format.schema: Field required';
  if (typeof model !== 'string' || !STRUCTURED_OUTPUT_MODELS.test(model)) return `'${String(model)}' does not support output_config.format (structured outputs)`;
  return undefined;
}

/** Anthropic's 400 for `strict: true` on a tool of a model without structured outputs (its wording), or `undefined`. */
function strictToolProblem(body: unknown): string | undefined {
  const { model, tools } = (body ?? {}) as { model?: unknown; tools?: unknown };
  if (!Array.isArray(tools) || !tools.some((tool) => (tool as { strict?: unknown }).strict === true)) return undefined;
  return typeof model === 'string' && STRUCTURED_OUTPUT_MODELS.test(model) ? undefined : `'${String(model)}' does not support strict tools.`;
}

/** Tool ids Anthropic takes (other providers' ids, such as `functions.get_weather:0`, it refuses). */
const TOOL_ID = /^[a-zA-Z0-9_-]+$/;

/** Anthropic's 400 message for the first tool id it would refuse in a request body, or `undefined`. */
function toolIdProblem(body: unknown): string | undefined {
  const messages = (body as { messages?: unknown } | undefined)?.messages;
  if (!Array.isArray(messages)) return undefined;
  for (const [i, message] of messages.entries()) {
    const content = (message as { content?: unknown }).content;
    if (!Array.isArray(content)) continue;
    for (const [j, block] of content.entries()) {
      const { type, id, tool_use_id: useId } = block as { type?: unknown; id?: unknown; tool_use_id?: unknown };
      const [field, value] = type === 'tool_use' ? ['tool_use.id', id] : type === 'tool_result' ? ['tool_result.tool_use_id', useId] : [undefined, undefined];
      if (field !== undefined && (typeof value !== 'string' || !TOOL_ID.test(value))) {
        return `messages.${i}.content.${j}.${field}: String should match pattern '^[a-zA-Z0-9_-]+$'`;
      }
    }
  }
  return undefined;
}

/** The media types Anthropic takes, its limit on an image's base64 text, and on images per request. */
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'];
const MAX_IMAGE_BASE64 = 5 * 1024 * 1024;
const MAX_IMAGES = 100;

/** Anthropic's 400 message for the first image it would refuse in a request body, or `undefined` (the fake's wording where Anthropic's is unknown). */
function imageProblem(body: unknown): string | undefined {
  const messages = (body as { messages?: unknown } | undefined)?.messages;
  if (!Array.isArray(messages)) return undefined;
  let images = 0;
  for (const [i, message] of messages.entries()) {
    const content = (message as { content?: unknown }).content;
    if (!Array.isArray(content)) continue;
    for (const [j, block] of content.entries()) {
      const { type, source } = block as { type?: unknown; source?: { type?: unknown; media_type?: unknown; data?: unknown } };
      if (type !== 'image') continue;
      images += 1;
      if (source?.type !== 'base64') continue;
      if (typeof source.media_type !== 'string' || !IMAGE_TYPES.includes(source.media_type)) {
        return `messages.${i}.content.${j}.image.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`;
      }
      const size = typeof source.data === 'string' ? source.data.length : 0;
      if (size > MAX_IMAGE_BASE64) return `messages.${i}.content.${j}.image.source.base64: image exceeds 5 MB maximum: ${size} bytes > ${MAX_IMAGE_BASE64} bytes`;
    }
  }
  return images > MAX_IMAGES ? `messages: too many images in the request: ${images} > ${MAX_IMAGES}` : undefined;
}

/**
 * Anthropic's usage: `input_tokens` counts only the prompt tokens after the last cache
 * breakpoint; cache reads and writes (5-minute ones here) are counted apart.
 */
function usageOf(usage: { input: number; cachedInput?: number; cacheWriteInput?: number }, output: number) {
  return {
    ...inputCounts(usage),
    cache_creation: { ephemeral_5m_input_tokens: usage.cacheWriteInput ?? 0, ephemeral_1h_input_tokens: 0 },
    output_tokens: output,
    service_tier: 'standard',
  };
}

/** The input counts of a usage block; `message_delta` repeats them, cumulative, next to `output_tokens`. */
function inputCounts(usage: { input: number; cachedInput?: number; cacheWriteInput?: number }) {
  const read = usage.cachedInput ?? 0;
  const written = usage.cacheWriteInput ?? 0;
  return { input_tokens: usage.input - read - written, cache_creation_input_tokens: written, cache_read_input_tokens: read };
}

/** One SSE frame as Anthropic writes it: an `event:` line naming the type, then the data. */
function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function splitInTwo(text: string): string[] {
  const middle = Math.floor(text.length / 2);
  return middle === 0 ? [text] : [text.slice(0, middle), text.slice(middle)];
}
