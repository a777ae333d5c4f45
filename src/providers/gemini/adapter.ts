/**
 * The Gemini adapter (Google AI Studio's Generative Language API):
 * `POST {baseUrl}/models/{model}:generateContent` and `:streamGenerateContent?alt=sse` with
 * `x-goog-api-key`, `GET {baseUrl}/models/{model}` to check.
 *
 * @example
 * const adapter = createGeminiAdapter({ ...settings, model: 'gemini-2.5-flash' }, environment);
 * const reply = await adapter.chat({ messages: [{ role: 'user', content: 'Hi' }] }, context);
 */
import type { AdapterFactory, ProviderAdapter } from '../../core/adapter.js';
import { refuseImages } from '../shared/images.js';
import { mapStream } from '../shared/stream.js';
import { createUpstream } from '../shared/upstream.js';
import { refineGeminiError } from './errors.js';
import { geminiImageProblem, toGeminiRequest } from './request.js';
import { fromGeminiResponse } from './response.js';
import { GenerateContentResponseSchema } from './schemas.js';
import { createGeminiStreamMapper } from './stream.js';
import { estimateTokens } from './tokens.js';

export { estimateTokens } from './tokens.js';

/** CONTRACT §2 default base URL for `type: gemini`. */
export const GEMINI_BASE_URL = 'https://generativelanguage.googleapis.com/v1beta';

/** The resource path of a model: `gemini-2.5-flash` → `models/gemini-2.5-flash`; `models/…` and `tunedModels/…` kept. */
export function modelPath(model: string): string {
  const path = model.includes('/') ? model : `models/${model}`;
  return path.split('/').map(encodeURIComponent).join('/');
}

/** Builds the adapter. `settings.options`: `idleTimeoutMs` (longest silence inside a reply, default 30 s). */
export const createGeminiAdapter: AdapterFactory = (settings, environment): ProviderAdapter => {
  const upstream = createUpstream({
    settings,
    environment,
    defaultBaseUrl: GEMINI_BASE_URL,
    headers: settings.apiKey ? { 'x-goog-api-key': settings.apiKey } : {},
    refine: refineGeminiError,
  });
  const model = modelPath(settings.model);

  return {
    estimateInputTokens: estimateTokens,
    // Images in system and tool messages are text-only there, dropped with a warning.
    refuses: (request) => refuseImages(request, (image, role) => (role === 'user' || role === 'assistant' ? geminiImageProblem(image) : undefined)),
    async chat(request, context) {
      const { body, warnings } = toGeminiRequest(request, { model: settings.model });
      const reply = await upstream.json({ path: `${model}:generateContent`, body }, GenerateContentResponseSchema, context);
      return fromGeminiResponse(upstream, reply, { id: `gemini-${context.requestId}`, model: settings.model }, warnings);
    },
    stream(request, context) {
      const { body, warnings } = toGeminiRequest(request, { model: settings.model });
      const events = upstream.sse({ path: `${model}:streamGenerateContent?alt=sse`, body }, context);
      return mapStream(upstream, events, createGeminiStreamMapper(upstream, { idPrefix: `gemini-${context.requestId}`, warnings }), context);
    },
    async check(context) {
      await upstream.ping({ path: model }, context);
    },
    async close() {
      // Connections belong to the injected fetch's pool; nothing is held per adapter.
    },
  };
};
