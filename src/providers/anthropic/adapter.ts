/**
 * The Anthropic adapter: `POST {baseUrl}/messages` with `x-api-key` and `anthropic-version`,
 * `GET {baseUrl}/models` to check.
 *
 * @example
 * const adapter = createAnthropicAdapter({ ...settings, model: 'claude-sonnet-4-5' }, environment);
 * const reply = await adapter.chat({ messages: [{ role: 'user', content: 'Hi' }] }, context);
 */
import type { AdapterFactory, ProviderAdapter } from '../../core/adapter.js';
import type { ChatRequest } from '../../core/types.js';
import { refuseImages } from '../shared/images.js';
import { failedStream, mapStream } from '../shared/stream.js';
import { createUpstream } from '../shared/upstream.js';
import { anthropicFormatProblem, anthropicImageCountProblem, anthropicImageProblem, toAnthropicRequest, type AnthropicRequestOptions } from './request.js';
import { fromAnthropicResponse } from './response.js';
import { MessageSchema } from './schemas.js';
import { createAnthropicStreamMapper } from './stream.js';
import { estimateTokens } from './tokens.js';

export { estimateTokens } from './tokens.js';

/** CONTRACT §2 default base URL for `type: anthropic`. */
export const ANTHROPIC_BASE_URL = 'https://api.anthropic.com/v1';

/** The `anthropic-version` header sent unless the `anthropicVersion` option says otherwise. */
export const ANTHROPIC_VERSION = '2023-06-01';

/**
 * A JSON response format Anthropic cannot honour (an older model, no schema, a schema outside
 * its subset or over its limits, a prefill), which it would answer in prose: the engine routes
 * the request elsewhere. Strict tools are never refused (they go without `strict`, a warning).
 */
function refuseFormat(request: ChatRequest, options: AnthropicRequestOptions): { param: string; reason: string } | undefined {
  const reason = anthropicFormatProblem(request, options);
  return reason === undefined ? undefined : { param: 'response_format', reason };
}

/** More images than Anthropic takes in one request (its 400 otherwise): the engine routes the request elsewhere. */
function refuseImageCount(request: ChatRequest): { param: string; reason: string } | undefined {
  const reason = anthropicImageCountProblem(request);
  return reason === undefined ? undefined : { param: 'messages', reason };
}

/** Why a request left with no turn (every message system or empty) is refused: the API requires one. */
const NO_MESSAGE = 'Anthropic needs at least one non-empty user or assistant message';

/**
 * Builds the adapter. `settings.options`: `defaultMaxTokens` (`max_tokens` when a request sets
 * none, default 4096), `anthropicVersion` (default `2023-06-01`), `structuredOutputs` (whether the
 * model takes `output_config.format` and strict tools, default by the model name: Claude 4.5 and later),
 * `strictTools` (send tools marked `strict` as strict tools, default false) and `idleTimeoutMs` (longest silence inside a reply, default 30 s).
 */
export const createAnthropicAdapter: AdapterFactory = (settings, environment): ProviderAdapter => {
  const version = typeof settings.options.anthropicVersion === 'string' ? settings.options.anthropicVersion : ANTHROPIC_VERSION;
  const upstream = createUpstream({
    settings,
    environment,
    defaultBaseUrl: ANTHROPIC_BASE_URL,
    headers: { ...(settings.apiKey ? { 'x-api-key': settings.apiKey } : {}), 'anthropic-version': version },
  });
  const max = settings.options.defaultMaxTokens;
  const defaultMaxTokens = typeof max === 'number' && Number.isInteger(max) && max > 0 ? max : undefined;
  const structuredOutputs = typeof settings.options.structuredOutputs === 'boolean' ? settings.options.structuredOutputs : undefined;
  const strictTools = settings.options.strictTools === true;
  const mapping = (stream: boolean): AnthropicRequestOptions => ({ model: settings.model, stream, defaultMaxTokens, structuredOutputs, strictTools });

  return {
    estimateInputTokens: estimateTokens,
    refuses: (request) => refuseFormat(request, mapping(false)) ?? refuseImages(request, (image, role) => (role === 'user' ? anthropicImageProblem(image) : undefined)) ?? refuseImageCount(request),
    async chat(request, context) {
      const { body, warnings } = toAnthropicRequest(request, mapping(false));
      if (body.messages.length === 0) throw upstream.invalid(NO_MESSAGE);
      const reply = await upstream.json({ path: 'messages', body }, MessageSchema, context);
      return fromAnthropicResponse(reply, { id: `msg_${context.requestId}`, model: settings.model }, warnings);
    },
    stream(request, context) {
      const { body, warnings } = toAnthropicRequest(request, mapping(true));
      if (body.messages.length === 0) return failedStream(upstream.invalid(NO_MESSAGE));
      const events = upstream.sse({ path: 'messages', body }, context);
      return mapStream(upstream, events, createAnthropicStreamMapper(upstream, warnings), context);
    },
    async check(context) {
      await upstream.ping({ path: 'models' }, context);
    },
    async close() {
      // Connections belong to the injected fetch's pool; nothing is held per adapter.
    },
  };
};
