/**
 * The Ollama fake: the exact `/api/chat` JSON reply (`stream: false`), the NDJSON stream
 * (`application/x-ndjson`, `done: false` delta lines, then one `done: true` line carrying
 * `done_reason`, durations and counts), Ollama's `{"error": "..."}` bodies and `GET /api/tags`.
 * Ollama streams unless the request says `"stream": false`. A reply's `reasoning` is
 * `message.thinking` (streamed in lines before the content); `eval_count` includes it.
 * `images` must be standard, padded base64 (Go decodes them into bytes, else a 400);
 * `createOllamaWire({ vision: false })` plays a text-only model, whose runner fails a request
 * with images with a 500.
 */
import type { FakeWire, FaultKind, RecordedRequest, ResolvedReply, WireReply } from './types.js';

const CREATED_AT = '2026-01-01T00:00:00.123456789Z';
const DEFAULT_MODEL = 'llama3.2:latest';
/** Nanosecond durations as Ollama reports them. */
const DURATIONS = { total_duration: 1_234_567_890, load_duration: 12_345_678, prompt_eval_duration: 23_456_789, eval_duration: 345_678_901 };

/**
 * Status and message per fault. Local Ollama has no rate limits, quotas or content filter: the
 * 429s are Ollama's cloud (`*:cloud` models through the local daemon, or ollama.com), the
 * content-policy 400 is a filtering proxy in front of Ollama, all in Ollama's error shape.
 */
const ERRORS: Record<FaultKind, { status: number; message: string }> = {
  rate_limit: { status: 429, message: "you've reached your hourly usage limit, please wait or upgrade to continue" },
  quota: { status: 429, message: 'you (fake-user) have reached your weekly usage limit, upgrade for higher limits: https://ollama.com/upgrade' },
  server: { status: 500, message: 'llama runner process has terminated: exit status 2' },
  overloaded: { status: 503, message: 'server busy, please try again.  maximum pending requests exceeded' },
  unavailable: { status: 503, message: 'Server overloaded, please retry shortly (ref: 5d0fb402-680e-49fb-a261-4de5249a0bda)' },
  auth: { status: 401, message: 'unauthorized' },
  model_not_found: { status: 404, message: "model 'llama3.2-nonexistent' not found" },
  bad_request: { status: 400, message: 'json: cannot unmarshal string into Go struct field ChatRequest.messages of type []api.Message' },
  context_length: { status: 400, message: 'the input length exceeds the context length' },
  content_filter: { status: 400, message: 'request blocked by content policy' },
};

/** Ollama reports tool calls with `done_reason: "stop"`; it has no content-filter reason of its own. */
const DONE_REASON: Record<ResolvedReply['finish'], string> = { stop: 'stop', length: 'length', tool_calls: 'stop', content_filter: 'content_filter' };

/** Options of {@link createOllamaWire}. */
export interface OllamaWireOptions {
  /** Whether the model sees images (a text-only model's runner fails a request with images). @default true */
  vision?: boolean;
}

/** An Ollama wire; see {@link OllamaWireOptions}. */
export function createOllamaWire({ vision = true }: OllamaWireOptions = {}): FakeWire {
  return { ...wire, refuse: (request) => imageProblem(request.json, vision) };
}

/** Go's `encoding/json` decodes `[]byte` fields with `base64.StdEncoding`: padded, `+` and `/`, newlines skipped. */
const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Ollama's error for the images of a request body, or `undefined`. */
function imageProblem(body: unknown, vision: boolean): WireReply | undefined {
  const messages = (body as { messages?: { images?: unknown }[] } | undefined)?.messages;
  if (!Array.isArray(messages)) return undefined;
  const images = messages.flatMap((message) => (Array.isArray(message.images) ? (message.images as unknown[]) : []));
  for (const image of images) {
    const data = typeof image === 'string' ? image.replace(/[\r\n]/g, '') : '';
    if (!STD_BASE64.test(data)) return { status: 400, body: { error: `illegal base64 data at input byte ${firstBadByte(data)}` } };
  }
  if (images.length === 0 || vision) return undefined;
  // The runner's `model.ErrNoVisionModel`, passed on as a 500 by the chat handler.
  return { status: 500, body: { error: 'Failed to create new sequence: failed to process inputs: this model is missing data required for image input' } };
}

function firstBadByte(data: string): number {
  const bad = data.search(/[^A-Za-z0-9+/=]/);
  return bad === -1 ? data.length - (data.length % 4) : bad;
}

/** The `/api/chat` wire of a model that sees images. */
const wire: FakeWire = {
  name: 'ollama',
  basePath: '',
  isStream: (request) => (request.json as { stream?: unknown } | undefined)?.stream !== false,
  json(reply) {
    return {
      model: reply.model ?? DEFAULT_MODEL,
      created_at: CREATED_AT,
      message: { role: 'assistant', content: reply.content, ...(reply.reasoning === '' ? {} : { thinking: reply.reasoning }), ...toolCallsOf(reply) },
      done: true,
      ...totalsOf(reply),
    };
  },
  stream(reply) {
    const model = reply.model ?? DEFAULT_MODEL;
    const delta = (message: Record<string, unknown>) => ({ model, created_at: CREATED_AT, message: { role: 'assistant', ...message }, done: false });
    const lines: unknown[] = reply.reasoningChunks.map((thinking) => delta({ content: '', thinking }));
    lines.push(...reply.chunks.map((content) => delta({ content })));
    if (reply.toolCalls.length > 0) lines.push(delta({ content: '', ...toolCallsOf(reply) }));
    lines.push({ model, created_at: CREATED_AT, message: { role: 'assistant', content: '' }, done: true, ...totalsOf(reply) });
    return { contentType: 'application/x-ndjson', frames: lines.map(line), terminatorFrames: 1 };
  },
  error(kind, message): WireReply {
    const error = ERRORS[kind];
    return { status: error.status, body: { error: message ?? error.message } };
  },
  streamError: (kind) => line({ error: ERRORS[kind].message }),
  credential: (request) => /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1],
  other(request: RecordedRequest) {
    if (request.method !== 'GET' || request.path !== '/api/tags') return undefined;
    return {
      status: 200,
      body: {
        models: [
          {
            name: DEFAULT_MODEL,
            model: DEFAULT_MODEL,
            modified_at: '2025-12-01T10:00:00.000000000Z',
            size: 2_019_393_189,
            digest: 'a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72',
            details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '3.2B', quantization_level: 'Q4_K_M' },
          },
        ],
      },
    };
  },
};

/** The Ollama `/api/chat` wire. */
export const ollamaWire: FakeWire = createOllamaWire();

function toolCallsOf(reply: ResolvedReply): { tool_calls?: unknown[] } {
  if (reply.toolCalls.length === 0) return {};
  return {
    tool_calls: reply.toolCalls.map((call, index) => ({
      id: call.id,
      function: { index, name: call.name, arguments: JSON.parse(call.arguments) as unknown },
    })),
  };
}

function totalsOf(reply: ResolvedReply): Record<string, unknown> {
  const counts = reply.usage === null ? {} : { prompt_eval_count: reply.usage.input, eval_count: reply.usage.output };
  return {
    done_reason: DONE_REASON[reply.finish],
    total_duration: DURATIONS.total_duration,
    load_duration: DURATIONS.load_duration,
    ...('prompt_eval_count' in counts ? { prompt_eval_count: counts.prompt_eval_count, prompt_eval_duration: DURATIONS.prompt_eval_duration } : {}),
    ...('eval_count' in counts ? { eval_count: counts.eval_count, eval_duration: DURATIONS.eval_duration } : {}),
  };
}

function line(data: unknown): string {
  return `${JSON.stringify(data)}\n`;
}
