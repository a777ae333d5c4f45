/** The Gemini (Google Generative Language API) provider adapter. */
export { createGeminiAdapter, GEMINI_BASE_URL, modelPath } from './adapter.js';
export { refineGeminiError } from './errors.js';
export { toGeminiRequest, MAX_STOP_SEQUENCES, type GeminiBody, type GeminiContent, type GeminiPart } from './request.js';
export { fromGeminiResponse, GEMINI_FINISH_REASONS, toFinishReason, toUsage } from './response.js';
export { createGeminiStreamMapper, type GeminiStreamOptions } from './stream.js';
export { estimateTokens } from './tokens.js';
