/** The Anthropic (Messages API) provider adapter. */
export { ANTHROPIC_BASE_URL, ANTHROPIC_VERSION, createAnthropicAdapter } from './adapter.js';
export { DEFAULT_MAX_TOKENS, toAnthropicRequest, type AnthropicBody, type AnthropicMessage, type AnthropicRequestOptions } from './request.js';
export { ANTHROPIC_FINISH_REASONS, fromAnthropicResponse } from './response.js';
export { createAnthropicStreamMapper } from './stream.js';
export { supportsStructuredOutputs, toAnthropicSchema } from './structured.js';
export { estimateTokens } from './tokens.js';
