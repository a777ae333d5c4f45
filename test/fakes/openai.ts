/**
 * The OpenAI fake: exact Chat Completions JSON, `chat.completion.chunk` SSE frames (role
 * chunk, content and tool-call deltas, finish chunk, usage chunk, `data: [DONE]`, each chunk
 * with OpenAI's `obfuscation` padding), a streamed refusal, OpenAI's error JSON and rate-limit
 * headers, and `GET /models`. A reply's `reasoning` is rendered as OpenAI-compatible reasoning
 * servers (DeepSeek, vLLM) send it, `message.reasoning_content` / `delta.reasoning_content`
 * (OpenAI itself sends no reasoning text, only `reasoning_tokens`).
 */
import type { FakeWire, FaultKind, RecordedRequest, ResolvedReply, WireReply } from './types.js';

const CREATED = 1_760_000_000;
const FINGERPRINT = 'fp_fake0001';

type OpenAIError = { status: number; message: string; type: string; code: string | null; param?: string | null; headers?: Record<string, string> };

const ERRORS: Record<FaultKind, OpenAIError> = {
  rate_limit: {
    status: 429,
    message: 'Rate limit reached for gpt-4o in organization org-fake on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms.',
    type: 'requests',
    code: 'rate_limit_exceeded',
    headers: { 'x-ratelimit-limit-requests': '500', 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '120ms', 'x-ratelimit-remaining-tokens': '29000', 'x-ratelimit-reset-tokens': '6m0s' },
  },
  quota: {
    status: 429,
    message: 'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.',
    type: 'insufficient_quota',
    code: 'insufficient_quota',
  },
  server: { status: 500, message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', code: null },
  overloaded: { status: 503, message: 'The engine is currently overloaded, please try again later.', type: 'server_error', code: null },
  unavailable: { status: 503, message: 'Service Unavailable.', type: 'server_error', code: null },
  auth: { status: 401, message: 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.', type: 'invalid_request_error', code: 'invalid_api_key' },
  model_not_found: { status: 404, message: 'The model `gpt-nonexistent` does not exist or you do not have access to it.', type: 'invalid_request_error', code: 'model_not_found' },
  bad_request: { status: 400, message: "Invalid type for 'temperature': expected a decimal, but got a string instead.", type: 'invalid_request_error', code: 'invalid_type', param: 'temperature' },
  context_length: {
    status: 400,
    message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens. Please reduce the length of the messages.",
    type: 'invalid_request_error',
    code: 'context_length_exceeded',
    param: 'messages',
  },
  content_filter: {
    status: 400,
    message: 'Your request was rejected as a result of our safety system. Your prompt may contain text that is not allowed by our safety system.',
    type: 'invalid_request_error',
    code: 'content_policy_violation',
  },
};

const errorBody = (error: OpenAIError, message?: string) => ({
  error: { message: message ?? error.message, type: error.type, param: error.param ?? null, code: error.code },
});

/** The OpenAI Chat Completions wire. */
export const openaiWire: FakeWire = {
  name: 'openai',
  basePath: '/v1',
  isStream: (request) => (request.json as { stream?: unknown } | undefined)?.stream === true,
  json(reply) {
    return {
      id: 'chatcmpl-fake0001',
      object: 'chat.completion',
      created: CREATED,
      model: reply.model ?? 'gpt-4o-2024-08-06',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: reply.toolCalls.length > 0 && reply.content === '' ? null : reply.content,
            refusal: null,
            ...(reply.reasoning === '' ? {} : { reasoning_content: reply.reasoning }),
            ...(reply.toolCalls.length > 0
              ? { tool_calls: reply.toolCalls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } })) }
              : {}),
            annotations: [],
          },
          logprobs: null,
          finish_reason: reply.finish,
        },
      ],
      ...(reply.usage === null ? {} : { usage: usageOf(reply) }),
      service_tier: 'default',
      system_fingerprint: FINGERPRINT,
    };
  },
  stream(reply, request) {
    const includeUsage = (request.json as { stream_options?: { include_usage?: unknown } } | undefined)?.stream_options?.include_usage === true;
    const base = { id: 'chatcmpl-fake0001', object: 'chat.completion.chunk', created: CREATED, model: reply.model ?? 'gpt-4o-2024-08-06', service_tier: 'default', system_fingerprint: FINGERPRINT };
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
      ...base,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(includeUsage ? { usage: null } : {}),
      obfuscation: 'Xz8', // random padding OpenAI adds to each chunk (stream_options.include_obfuscation)
    });
    const events: unknown[] = [chunk({ role: 'assistant', content: '', refusal: null })];
    for (const text of reply.reasoningChunks) events.push(chunk({ content: null, reasoning_content: text }));
    for (const text of reply.chunks) events.push(chunk({ content: text }));
    reply.toolCalls.forEach((call, index) => {
      events.push(chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }));
      for (const piece of splitInTwo(call.arguments)) events.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
    });
    events.push(chunk({}, reply.finish));
    if (includeUsage && reply.usage !== null) events.push({ ...base, choices: [], usage: usageOf(reply) });
    return { contentType: 'text/event-stream; charset=utf-8', frames: [...events.map(frame), 'data: [DONE]\n\n'], terminatorFrames: 1 };
  },
  error(kind, message): WireReply {
    const error = ERRORS[kind];
    return { status: error.status, body: errorBody(error, message), ...(error.headers ? { headers: error.headers } : {}) };
  },
  streamError: (kind) => frame(errorBody(ERRORS[kind])),
  credential: (request) => /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1],
  other(request: RecordedRequest) {
    if (request.method !== 'GET' || !request.path.startsWith('/v1/models')) return undefined;
    return { status: 200, body: { object: 'list', data: [{ id: 'gpt-4o', object: 'model', created: CREATED, owned_by: 'system' }] } };
  },
};

/**
 * A refusal streamed as OpenAI streams one: `delta.refusal` pieces (content null), finishing
 * `stop`, then `data: [DONE]`. Serve it as `{ type: 'status', status: 200, body, headers }`.
 */
export function refusalStream(pieces: string[], model = 'gpt-4o-2024-08-06'): string {
  const base = { id: 'chatcmpl-fake0002', object: 'chat.completion.chunk', created: CREATED, model, service_tier: 'default', system_fingerprint: FINGERPRINT };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => frame({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] });
  const events = [chunk({ role: 'assistant', content: null, refusal: '' }), ...pieces.map((piece) => chunk({ refusal: piece })), chunk({}, 'stop')];
  return [...events, 'data: [DONE]\n\n'].join('');
}

/** OpenAI's usage: `prompt_tokens` includes the cached tokens, `completion_tokens` the reasoning tokens. */
function usageOf(reply: ResolvedReply) {
  const usage = reply.usage!;
  return {
    prompt_tokens: usage.input,
    completion_tokens: usage.output,
    total_tokens: usage.input + usage.output,
    prompt_tokens_details: { cached_tokens: usage.cachedInput ?? 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: usage.reasoning ?? 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function frame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

function splitInTwo(text: string): string[] {
  const middle = Math.floor(text.length / 2);
  return middle === 0 ? [text] : [text.slice(0, middle), text.slice(middle)];
}
