/** The OpenAI (and OpenAI-compatible) provider adapter. */
export { createOpenAIAdapter, OPENAI_BASE_URL } from './adapter.js';
export { toOpenAIRequest, type OpenAIBody, type OpenAIRequestOptions } from './request.js';
export { fromOpenAIResponse, OPENAI_FINISH_REASONS } from './response.js';
export { createOpenAIStreamMapper } from './stream.js';
export { estimateTokens } from './tokens.js';
