/**
 * The Gemini fake: exact `GenerateContentResponse` JSON, `streamGenerateContent?alt=sse`
 * frames (`data: <GenerateContentResponse>` + CRLF CRLF, no terminator event: the last chunk
 * carries `finishReason` and the full `usageMetadata`), Google's error JSON
 * `{error: {code, message, status, details}}` and `GET /models`, `GET /models/{model}`.
 * A reply's `reasoning` is thought-summary parts (`thought: true`) before the answer, whose
 * first part carries a `thoughtSignature`; `candidatesTokenCount` excludes `thoughtsTokenCount`.
 * Function calls carry their `id` as Gemini 3 sends it; Gemini 2.x usually sends none, which
 * `createGeminiWire({ callIds: false })` plays. `createGeminiWire({ gemini3: true })` also signs
 * function calls and refuses unsigned replays, as Gemini 3 does. Every wire refuses inline
 * images of a type Gemini does not take (400 `Unsupported MIME type: image/gif`).
 */
import type { ToolCall } from '../../src/core/types.js';
import type { FakeWire, FaultKind, RecordedRequest, ResolvedReply, WireReply } from './types.js';

const DEFAULT_MODEL = 'gemini-2.5-flash';
const RESPONSE_ID = 'fakeRespId0001';
const THOUGHT_SIGNATURE = 'CiQB0e2Kb7uXw0sZ0a8kq6yF3mM2Jm8cQx1kq0Vg9bVd3B8yS4Ue';
const TYPE = 'type.googleapis.com/google.rpc.';

type GoogleStatus = 'INVALID_ARGUMENT' | 'FAILED_PRECONDITION' | 'PERMISSION_DENIED' | 'NOT_FOUND' | 'RESOURCE_EXHAUSTED' | 'INTERNAL' | 'UNAVAILABLE';

/** A Google API error body, as the Generative Language API sends it. */
export function googleError(code: number, status: GoogleStatus, message: string, details?: unknown[]) {
  return { error: { code, message, status, ...(details ? { details } : {}) } };
}

/** `google.rpc.RetryInfo` as it appears in `error.details`. */
export const retryInfo = (retryDelay: string) => ({ '@type': `${TYPE}RetryInfo`, retryDelay });

const quotaFailure = (quotaId: string, quotaMetric: string, quotaValue: string) => ({
  '@type': `${TYPE}QuotaFailure`,
  violations: [{ quotaMetric, quotaId, quotaDimensions: { location: 'global', model: DEFAULT_MODEL }, quotaValue }],
});
const help = { '@type': `${TYPE}Help`, links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] };
const QUOTA_MESSAGE =
  'You exceeded your current quota, please check your plan and billing details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.';

const ERRORS: Record<FaultKind, { code: number; status: GoogleStatus; message: string; details?: unknown[] }> = {
  rate_limit: {
    code: 429,
    status: 'RESOURCE_EXHAUSTED',
    message: QUOTA_MESSAGE,
    details: [quotaFailure('GenerateRequestsPerMinutePerProjectPerModel-FreeTier', 'generativelanguage.googleapis.com/generate_content_free_tier_requests', '10'), help, retryInfo('7s')],
  },
  quota: {
    code: 429,
    status: 'RESOURCE_EXHAUSTED',
    message: QUOTA_MESSAGE,
    details: [quotaFailure('GenerateRequestsPerDayPerProjectPerModel-FreeTier', 'generativelanguage.googleapis.com/generate_content_free_tier_requests', '250'), help],
  },
  server: { code: 500, status: 'INTERNAL', message: 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting' },
  overloaded: { code: 503, status: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' },
  unavailable: { code: 503, status: 'UNAVAILABLE', message: 'The service is currently unavailable.' },
  // A wrong key is a 400 INVALID_ARGUMENT with ErrorInfo.reason API_KEY_INVALID (a missing key is 403 PERMISSION_DENIED).
  auth: {
    code: 400,
    status: 'INVALID_ARGUMENT',
    message: 'API key not valid. Please pass a valid API key.',
    details: [
      { '@type': `${TYPE}ErrorInfo`, reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } },
      { '@type': `${TYPE}LocalizedMessage`, locale: 'en-US', message: 'API key not valid. Please pass a valid API key.' },
    ],
  },
  model_not_found: {
    code: 404,
    status: 'NOT_FOUND',
    message: 'models/gemini-nonexistent is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.',
  },
  bad_request: {
    code: 400,
    status: 'INVALID_ARGUMENT',
    message: 'Invalid value at \'generation_config.temperature\' (TYPE_FLOAT), "hot"',
    details: [{ '@type': `${TYPE}BadRequest`, fieldViolations: [{ field: 'generation_config.temperature', description: 'Invalid value at \'generation_config.temperature\' (TYPE_FLOAT), "hot"' }] }],
  },
  context_length: { code: 400, status: 'INVALID_ARGUMENT', message: 'The input token count (1248576) exceeds the maximum number of tokens allowed (1048576).' },
  // Gemini blocks prompts with a 200 reply (`promptFeedback.blockReason`, see `blockedPrompt`), which
  // the contract's status-based fault cannot express in both modes; this 400 stands in for it.
  content_filter: { code: 400, status: 'INVALID_ARGUMENT', message: 'The request was blocked because it violates the content policy.' },
};

const FINISH: Record<ResolvedReply['finish'], string> = { stop: 'STOP', length: 'MAX_TOKENS', tool_calls: 'STOP', content_filter: 'SAFETY' };

/** The model named in a generation path (`/v1beta/models/{model}:generateContent`). */
function modelOf(request: RecordedRequest): string | undefined {
  const match = /\/models\/([^/:?]+)/.exec(request.path);
  return match ? decodeURIComponent(match[1]!) : undefined;
}

/** Gemini's usage: `promptTokenCount` includes the cached tokens; thinking is counted apart from the candidates. */
function usageMetadata(reply: ResolvedReply) {
  const usage = reply.usage!;
  const thoughts = usage.reasoning ?? 0;
  const cached = usage.cachedInput ?? 0;
  return {
    promptTokenCount: usage.input,
    candidatesTokenCount: usage.output - thoughts,
    totalTokenCount: usage.input + usage.output,
    ...(cached > 0 ? { cachedContentTokenCount: cached, cacheTokensDetails: [{ modality: 'TEXT', tokenCount: cached }] } : {}),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: usage.input }],
    ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}),
  };
}

/** The answer's first part carries the thought signature of a thinking reply (unless it has its own, a Gemini 3 function call's). */
const signed = (reply: ResolvedReply, parts: Record<string, unknown>[]) =>
  reply.reasoning === '' || parts.length === 0 ? parts : [{ ...parts[0], thoughtSignature: parts[0]!.thoughtSignature ?? THOUGHT_SIGNATURE }, ...parts.slice(1)];

/** The `thoughtSignature` the Gemini 3 fake gives the step that starts with `call` (opaque base64, distinct per call). */
export const stepSignature = (call: ToolCall) => Buffer.from(`fake thought before ${call.name} ${call.id}`).toString('base64');

/** Function-call parts; for Gemini 3, the first call of a step carries the step's `thoughtSignature`, the parallel ones none. */
const functionCalls = (reply: ResolvedReply, callIds: boolean, gemini3: boolean) =>
  reply.toolCalls.map((call, i) => ({
    functionCall: { ...(callIds ? { id: call.id } : {}), name: call.name, args: JSON.parse(call.arguments) as unknown },
    ...(gemini3 && i === 0 ? { thoughtSignature: stepSignature(call) } : {}),
  }));

type WirePart = { functionCall?: { name?: unknown }; functionResponse?: unknown; thoughtSignature?: unknown; inlineData?: { mimeType?: unknown } };

/** The image types Gemini takes inline (https://ai.google.dev/gemini-api/docs/image-understanding#supported-formats). */
const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif'];

/** Gemini's 400 message for an inline image of a type it does not take, or `undefined`. */
function unsupportedImage(body: unknown): string | undefined {
  const contents = (body as { contents?: { parts?: WirePart[] }[] } | undefined)?.contents;
  if (!Array.isArray(contents)) return undefined;
  for (const content of contents) {
    for (const part of content.parts ?? []) {
      const type = part.inlineData?.mimeType;
      if (typeof type === 'string' && type.startsWith('image/') && !IMAGE_TYPES.includes(type)) return `Unsupported MIME type: ${type}`;
    }
  }
  return undefined;
}

/**
 * Gemini 3's 400 for a request that replays a step without its signature, or `undefined`. It checks
 * the current turn only (the model turns after the last user turn with more than function
 * responses), and in each step the first function call (parallel ones carry none).
 */
function unsignedStep(body: unknown): string | undefined {
  const contents = (body as { contents?: { role?: unknown; parts?: WirePart[] }[] } | undefined)?.contents;
  if (!Array.isArray(contents)) return undefined;
  let turnStart = 0;
  contents.forEach((content, i) => {
    if (content.role === 'user' && (content.parts ?? []).some((part) => part.functionResponse === undefined)) turnStart = i;
  });
  for (const [i, content] of contents.entries()) {
    const first = content.role === 'model' ? content.parts?.find((part) => part.functionCall !== undefined) : undefined;
    if (i < turnStart || first === undefined || (typeof first.thoughtSignature === 'string' && first.thoughtSignature !== '')) continue;
    return (
      'Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature ' +
      `may lead to degraded model performance. Additional data, function call \`default_api:${String(first.functionCall!.name)}\` , position ${i + 1}. ` +
      'Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.'
    );
  }
  return undefined;
}

/** A prompt Gemini refuses: HTTP 200, no candidates, `promptFeedback.blockReason`. */
export function blockedPrompt(blockReason = 'SAFETY') {
  return {
    promptFeedback: {
      blockReason,
      safetyRatings: [
        { category: 'HARM_CATEGORY_SEXUALLY_EXPLICIT', probability: 'NEGLIGIBLE' },
        { category: 'HARM_CATEGORY_HATE_SPEECH', probability: 'NEGLIGIBLE' },
        { category: 'HARM_CATEGORY_HARASSMENT', probability: 'HIGH' },
        { category: 'HARM_CATEGORY_DANGEROUS_CONTENT', probability: 'NEGLIGIBLE' },
      ],
    },
    usageMetadata: { promptTokenCount: 8, totalTokenCount: 8, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 8 }] },
    modelVersion: DEFAULT_MODEL,
    responseId: RESPONSE_ID,
  };
}

/** One SSE frame as Gemini writes it. */
export function sseFrame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\r\n\r\n`;
}

/** Options of {@link createGeminiWire}. */
export interface GeminiWireOptions {
  /** Whether function calls carry an `id` (Gemini 3 numbers them; 2.x usually does not). @default true */
  callIds?: boolean;
  /**
   * Play a Gemini 3 model: the first function call of each answer carries a `thoughtSignature`
   * ({@link stepSignature}), and a request whose current turn replays a step without one is
   * refused with Google's 400 `INVALID_ARGUMENT`. @default false
   */
  gemini3?: boolean;
}

/** The Gemini Generative Language API wire (v1beta). */
export const geminiWire: FakeWire = createGeminiWire();

/** A Gemini wire; see {@link GeminiWireOptions}. */
export function createGeminiWire({ callIds = true, gemini3 = false }: GeminiWireOptions = {}): FakeWire {
  return {
    name: 'gemini',
    basePath: '/v1beta',
    isStream: (request) => request.path.includes(':streamGenerateContent'),
    json(reply, request) {
      const answer = signed(reply, [...(reply.content === '' && reply.toolCalls.length > 0 ? [] : [{ text: reply.content }]), ...functionCalls(reply, callIds, gemini3)]);
      const parts = [...(reply.reasoning === '' ? [] : [{ text: reply.reasoning, thought: true }]), ...answer];
      return {
        candidates: [{ content: { parts, role: 'model' }, finishReason: FINISH[reply.finish], index: 0 }],
        ...(reply.usage === null ? {} : { usageMetadata: usageMetadata(reply) }),
        modelVersion: reply.model ?? modelOf(request) ?? DEFAULT_MODEL,
        responseId: RESPONSE_ID,
      };
    },
    stream(reply, request) {
      const base = { modelVersion: reply.model ?? modelOf(request) ?? DEFAULT_MODEL, responseId: RESPONSE_ID };
      const thoughts = reply.usage?.reasoning ?? 0;
      const running =
        reply.usage === null
          ? {}
          : { usageMetadata: { promptTokenCount: reply.usage.input, totalTokenCount: reply.usage.input + thoughts, ...(thoughts > 0 ? { thoughtsTokenCount: thoughts } : {}) } };
      const chunk = (parts: unknown[], extra: Record<string, unknown> = {}) => ({ candidates: [{ content: { parts, role: 'model' }, index: 0, ...extra }], ...running, ...base });
      const frames = reply.reasoningChunks.map((text) => sseFrame(chunk([{ text, thought: true }])));
      const texts = signed(reply, reply.chunks.filter((text) => text !== '').map((text) => ({ text })));
      frames.push(...texts.slice(0, -1).map((part) => sseFrame(chunk([part]))));
      const last = [...texts.slice(-1), ...functionCalls(reply, callIds, gemini3)];
      const final = chunk(last.length > 0 ? last : [{ text: '' }], { finishReason: FINISH[reply.finish] });
      frames.push(sseFrame(reply.usage === null ? final : { ...final, usageMetadata: usageMetadata(reply) }));
      // No terminator event: the last frame is the one carrying finishReason.
      return { contentType: 'text/event-stream', frames, terminatorFrames: 1 };
    },
    error(kind, message): WireReply {
      const error = ERRORS[kind];
      return { status: error.code, body: googleError(error.code, error.status, message ?? error.message, error.details) };
    },
    streamError(kind) {
      const error = ERRORS[kind];
      return sseFrame(googleError(error.code, error.status, error.message, error.details));
    },
    refuse(request: RecordedRequest): WireReply | undefined {
      const problem = unsupportedImage(request.json) ?? (gemini3 ? unsignedStep(request.json) : undefined);
      return problem === undefined ? undefined : { status: 400, body: googleError(400, 'INVALID_ARGUMENT', problem) };
    },
    credential(request) {
      const key = request.headers['x-goog-api-key'];
      return Array.isArray(key) ? key[0] : key;
    },
    other(request) {
      if (request.method !== 'GET') return undefined;
      const path = request.path.split('?')[0]!;
      const model = (name: string) => ({
        name: `models/${name}`,
        version: '001',
        displayName: 'Gemini 2.5 Flash',
        description: 'Stable version of Gemini 2.5 Flash.',
        inputTokenLimit: 1048576,
        outputTokenLimit: 65536,
        supportedGenerationMethods: ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'],
        temperature: 1,
        topP: 0.95,
        topK: 64,
        maxTemperature: 2,
        thinking: true,
      });
      if (path === '/v1beta/models') return { status: 200, body: { models: [model(DEFAULT_MODEL)], nextPageToken: 'Ch5tb2RlbHMvZ2VtaW5pLTIuNS1mbGFzaA==' } };
      const one = /^\/v1beta\/models\/([^/:]+)$/.exec(path);
      return one ? { status: 200, body: model(decodeURIComponent(one[1]!)) } : undefined;
    },
  };
}
