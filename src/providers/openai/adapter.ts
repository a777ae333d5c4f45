/**
 * The OpenAI adapter (and any OpenAI-compatible server: vLLM, llama.cpp, Groq, Together…):
 * `POST {baseUrl}/chat/completions` with `Authorization: Bearer`, `GET {baseUrl}/models` to check.
 *
 * @example
 * const adapter = createOpenAIAdapter(settings, environment);
 * const reply = await adapter.chat({ messages: [{ role: 'user', content: 'Hi' }] }, context);
 */
import type { AdapterFactory, ProviderAdapter } from '../../core/adapter.js';
import { mapStream } from '../shared/stream.js';
import { createUpstream } from '../shared/upstream.js';
import { toOpenAIRequest, type OpenAIRequestOptions } from './request.js';
import { fromOpenAIResponse } from './response.js';
import { CompletionSchema } from './schemas.js';
import { createOpenAIStreamMapper } from './stream.js';
import { estimateTokens, loadTokenizer } from './tokens.js';

export { estimateTokens } from './tokens.js';

/** CONTRACT §2 default base URL for `type: openai`. */
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

/**
 * Builds the adapter. `settings.options`: `maxTokensField` (`max_tokens` | `max_completion_tokens`),
 * `reasoning` (whether the model reasons, default guessed from its name) and `idleTimeoutMs`
 * (longest silence inside a reply, default 30 s).
 */
export const createOpenAIAdapter: AdapterFactory = (settings, environment): ProviderAdapter => {
  // Now rather than on the first long prompt, which would wait for it.
  loadTokenizer();
  const upstream = createUpstream({
    settings,
    environment,
    defaultBaseUrl: OPENAI_BASE_URL,
    headers: settings.apiKey ? { authorization: `Bearer ${settings.apiKey}` } : {},
  });
  const field = settings.options.maxTokensField;
  const maxTokensField = field === 'max_tokens' || field === 'max_completion_tokens' ? field : undefined;
  const reasoning = typeof settings.options.reasoning === 'boolean' ? settings.options.reasoning : undefined;
  const mapping: Omit<OpenAIRequestOptions, 'stream'> = { model: settings.model, maxTokensField, reasoning, baseUrl: upstream.baseUrl };

  return {
    estimateInputTokens: estimateTokens,
    async chat(request, context) {
      const { body, warnings } = toOpenAIRequest(request, { ...mapping, stream: false });
      const reply = await upstream.json({ path: 'chat/completions', body }, CompletionSchema, context);
      return fromOpenAIResponse(reply, { id: `chatcmpl-${context.requestId}`, model: settings.model }, warnings);
    },
    stream(request, context) {
      const { body, warnings } = toOpenAIRequest(request, { ...mapping, stream: true });
      const events = upstream.sse({ path: 'chat/completions', body }, context);
      return mapStream(upstream, events, createOpenAIStreamMapper(upstream, warnings), context);
    },
    async check(context) {
      await upstream.ping({ path: 'models' }, context);
    },
    async close() {
      // Connections belong to the injected fetch's pool; nothing is held per adapter.
    },
  };
};
