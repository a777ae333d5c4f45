/**
 * The Ollama adapter: `POST {baseUrl}/api/chat` (NDJSON when streaming), no credentials unless
 * `apiKey` is set (then `Authorization: Bearer`, for Ollama's cloud or an authenticating proxy),
 * and `GET {baseUrl}/api/tags` to check.
 *
 * @example
 * const adapter = createOllamaAdapter({ ...settings, type: 'ollama', model: 'llama3.2' }, environment);
 * const reply = await adapter.chat({ messages: [{ role: 'user', content: 'Hi' }] }, context);
 */
import type { AdapterFactory, ProviderAdapter } from '../../core/adapter.js';
import { refuseImages } from '../shared/images.js';
import { mapStream } from '../shared/stream.js';
import { createUpstream } from '../shared/upstream.js';
import { ollamaImageProblem, toOllamaRequest } from './request.js';
import { fromOllamaResponse } from './response.js';
import { ReplySchema } from './schemas.js';
import { createOllamaStreamMapper } from './stream.js';
import { estimateTokens } from './tokens.js';

export { estimateTokens } from './tokens.js';

/** CONTRACT §2 default base URL for `type: ollama`. */
export const OLLAMA_BASE_URL = 'http://127.0.0.1:11434';

/** Builds the adapter. `settings.options`: `idleTimeoutMs` (longest silence inside a reply, default 30 s). */
export const createOllamaAdapter: AdapterFactory = (settings, environment): ProviderAdapter => {
  const upstream = createUpstream({
    settings,
    environment,
    defaultBaseUrl: OLLAMA_BASE_URL,
    headers: settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {},
  });
  const mapping = (stream: boolean) => ({ model: settings.model, stream, provider: settings.name });

  return {
    estimateInputTokens: estimateTokens,
    refuses: (request) => refuseImages(request, ollamaImageProblem),
    async chat(request, context) {
      const { body, warnings } = toOllamaRequest(request, mapping(false));
      const reply = await upstream.json({ path: 'api/chat', body }, ReplySchema, context);
      return fromOllamaResponse(reply, { id: `ollama-${context.requestId}`, model: settings.model, requestId: context.requestId }, warnings);
    },
    stream(request, context) {
      const { body, warnings } = toOllamaRequest(request, mapping(true));
      const lines = upstream.ndjson({ path: 'api/chat', body }, context);
      return mapStream(upstream, lines, createOllamaStreamMapper(upstream, { requestId: context.requestId, warnings }), context);
    },
    async check(context) {
      await upstream.ping({ path: 'api/tags' }, context);
    },
    async close() {
      // Connections belong to the injected fetch's pool; nothing is held per adapter.
    },
  };
};
