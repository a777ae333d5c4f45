/** The Ollama provider adapter (`/api/chat`, NDJSON streams). */
export { createOllamaAdapter, OLLAMA_BASE_URL } from './adapter.js';
export { toOllamaRequest, type OllamaBody, type OllamaMessage, type OllamaRequestOptions } from './request.js';
export { fromOllamaResponse, OLLAMA_FINISH_REASONS } from './response.js';
export { createOllamaStreamMapper, type OllamaStreamOptions } from './stream.js';
export { estimateTokens } from './tokens.js';
