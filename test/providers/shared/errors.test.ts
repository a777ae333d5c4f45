/**
 * The one classification table, across the error shapes of OpenAI, Anthropic, Gemini and
 * Ollama (so later adapters inherit it), and the classification of thrown failures.
 */
import { describe, expect, it } from 'vitest';
import type { ErrorKind } from '../../../src/core/errors.js';
import { classifyFailure, classifyThrown, kindForStatus, type ErrorScope } from '../../../src/providers/shared/errors.js';

const scope: ErrorScope = { provider: 'p', secrets: ['my-secret-key'], now: () => 0 };
const classify = (status: number | undefined, body: unknown, headers: Record<string, string> = {}) =>
  classifyFailure(scope, { status, headers: new Headers(headers), body, text: typeof body === 'string' ? body : JSON.stringify(body) });

describe('kindForStatus', () => {
  it.each<[number, ErrorKind]>([
    [400, 'bad_request'], [401, 'auth'], [402, 'quota'], [403, 'auth'], [404, 'model_not_found'], [408, 'timeout'],
    [409, 'server'], [413, 'unsupported'], [422, 'bad_request'], [429, 'rate_limit'], [500, 'server'], [502, 'server'],
    [503, 'server'], [504, 'server'], [529, 'server'], [302, 'malformed'],
  ])('%i → %s', (status, kind) => expect(kindForStatus(status)).toBe(kind));
});

describe('classifyFailure', () => {
  it.each<[string, number | undefined, unknown, ErrorKind]>([
    ['OpenAI insufficient_quota 429', 429, { error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' } }, 'quota'],
    ['OpenAI context_length_exceeded', 400, { error: { message: 'too long', type: 'invalid_request_error', code: 'context_length_exceeded' } }, 'context_length'],
    ['OpenAI content policy', 400, { error: { message: 'x', code: 'content_policy_violation' } }, 'content_filter'],
    ['Anthropic 529 overloaded_error', 529, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'server'],
    ['Anthropic prompt is too long', 400, { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' } }, 'context_length'],
    ['Anthropic authentication_error', 401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } }, 'auth'],
    ['Gemini RESOURCE_EXHAUSTED', 429, { error: { code: 429, message: 'Resource has been exhausted', status: 'RESOURCE_EXHAUSTED' } }, 'rate_limit'],
    ['Gemini UNAVAILABLE', 503, { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } }, 'server'],
    ['Gemini token limit', 400, { error: { code: 400, message: 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).', status: 'INVALID_ARGUMENT' } }, 'context_length'],
    ['Gemini streamed error array', undefined, [{ error: { code: 503, message: 'overloaded', status: 'UNAVAILABLE' } }], 'server'],
    ['Ollama string error 404', 404, { error: 'model "llama9" not found, try pulling it first' }, 'model_not_found'],
    ['in-stream error without code', undefined, { error: { message: 'boom' } }, 'server'],
    ['in-stream rate limit', undefined, { error: { message: 'slow down', code: 'rate_limit_exceeded' } }, 'rate_limit'],
    ['a 500 that mentions context length stays a server error', 500, { error: { message: 'context length exceeded in worker' } }, 'server'],
    ['model_not_found code on a 400 stays bad_request', 400, { error: { message: 'bad', code: 'model_not_found' } }, 'bad_request'],
    ['Anthropic input + max_tokens over the context limit', 400, { type: 'error', error: { type: 'invalid_request_error', message: 'input length and `max_tokens` exceed context limit: 197626 + 8192 > 200000, decrease input length or `max_tokens` and try again' } }, 'context_length'],
    ['llama.cpp exceed_context_size_error', 400, { error: { code: 400, type: 'exceed_context_size_error', message: 'request (9412 tokens) exceeds the available context size (8192 tokens), try increasing it', n_ctx: 8192 } }, 'context_length'],
    ['a 400 naming the context size', 400, { error: { message: 'request (9412 tokens) exceeds the available context size (8192 tokens)' } }, 'context_length'],
    // A request this model cannot take as asked, which another may: `unsupported`, tried elsewhere.
    ['Anthropic output schema too complex', 400, { type: 'error', error: { type: 'invalid_request_error', message: 'Schema is too complex for compilation. Simplify your schema.' } }, 'unsupported'],
    ['Anthropic compiled grammar too large', 400, { type: 'error', error: { type: 'invalid_request_error', message: 'The compiled grammar is too large, which would cause performance issues. Simplify your tool schemas or reduce the number of strict tools.' } }, 'unsupported'],
    ['Anthropic strict tools on a model without structured outputs', 400, { type: 'error', error: { type: 'invalid_request_error', message: "'claude-sonnet-4-20250514' does not support strict tools." } }, 'unsupported'],
    ['Ollama model without tools (native API)', 400, { error: 'registry.ollama.ai/library/gemma3:4b does not support tools' }, 'unsupported'],
    ['Ollama model without tools (OpenAI API)', 400, { error: { message: 'stablelm2:latest does not support tools', type: 'api_error', param: null, code: null } }, 'unsupported'],
    ['Ollama model without thinking', 400, { error: '"llama3.2" does not support thinking' }, 'unsupported'],
    ['OpenAI image to a text-only model', 400, { error: { message: 'Invalid content type. image_url is only supported by certain models.', type: 'invalid_request_error', param: 'messages.[0].content.[1].type', code: null } }, 'unsupported'],
    ['vLLM image to a text-only model', 400, { object: 'error', message: 'meta-llama/Llama-3.1-8B-Instruct is not a multimodal model', type: 'BadRequestError', code: 400 }, 'unsupported'],
    ['Gemini function calling off for a model', 400, { error: { code: 400, message: 'Function calling is not enabled for models/gemini-1.0-pro-vision', status: 'INVALID_ARGUMENT' } }, 'unsupported'],
    ['llama.cpp without a vision projector', 400, { error: { code: 400, message: 'image input is not supported - hint: if this is unexpected, you may need to provide the mmproj', type: 'invalid_request_error' } }, 'unsupported'],
    ['vLLM without auto tool choice', 400, { object: 'error', message: '"auto" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set', type: 'BadRequestError', code: 400 }, 'unsupported'],
    // A Gemini tool-call signature issued by another model, project or key (a failover between Gemini providers mid agent loop).
    ['Gemini refusing a foreign thought signature', 400, { error: { code: 400, message: 'Corrupted thought signature.', status: 'INVALID_ARGUMENT' } }, 'unsupported'],
    ['Anthropic request over its 32 MB limit', 413, { type: 'error', error: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' } }, 'unsupported'],
    ['a proxy\'s body limit in front of a provider', 413, '<html><head><title>413 Request Entity Too Large</title></head></html>', 'unsupported'],
    ['Ollama embedding model asked to chat (OpenAI API)', 400, { error: { message: '"embeddinggemma" does not support chat', type: 'api_error', param: null, code: null } }, 'model_not_found'],
    ['a plain bad request stays one', 400, { error: { message: "Invalid value for 'temperature': expected a number" } }, 'bad_request'],
    ['a code named like an Object property', 500, { error: { code: 'constructor', message: 'boom' } }, 'server'],
    ['402 is billing whatever its code (Gemini prepayment)', 402, { error: { code: 402, message: 'Your prepayment credits are depleted.', status: 'RESOURCE_EXHAUSTED' } }, 'quota'],
  ])('%s', (_title, status, body, kind) => expect(classify(status, body).kind).toBe(kind));

  // No HTTP status: the body's type, numeric code and text decide as they would with one.
  it.each<[string, unknown, ErrorKind]>([
    ['Anthropic prompt is too long', { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 210000 tokens > 200000 maximum' } }, 'context_length'],
    ['Anthropic credit balance', { type: 'error', error: { type: 'invalid_request_error', message: 'Your credit balance is too low to access the Anthropic API.' } }, 'quota'],
    ['Anthropic other invalid_request_error', { type: 'error', error: { type: 'invalid_request_error', message: 'messages: text content blocks must be non-empty' } }, 'bad_request'],
    ['OpenAI context length without a code', { error: { message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130000 tokens." } }, 'context_length'],
    ['OpenRouter numeric code 429', { error: { code: 429, message: 'Rate limit exceeded: free-models-per-day' } }, 'rate_limit'],
    ['OpenRouter numeric code 402', { error: { code: 402, message: 'Insufficient credits' } }, 'quota'],
    ['numeric code 502', { error: { code: 502, message: 'Provider returned error' } }, 'server'],
    ['a numeric code that is no HTTP status', { error: { code: 1234, message: 'boom' } }, 'server'],
    ['Anthropic overloaded_error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'server'],
    ['Anthropic api_error', { type: 'error', error: { type: 'api_error', message: 'Internal server error' } }, 'server'],
  ])('without a status: %s', (_title, body, kind) => {
    const error = classify(undefined, body);
    expect([error.kind, error.status]).toEqual([kind, undefined]);
  });

  it('carries status, retryAfterMs and a redacted, bounded message', () => {
    const error = classify(429, { error: { message: `key my-secret-key and sk-live-0123456789abcdef rejected ${'x'.repeat(900)}` } }, { 'retry-after': '3' });
    expect([error.status, error.retryAfterMs, error.retryable]).toEqual([429, 3000, true]);
    expect(error.message).not.toContain('my-secret-key');
    expect(error.message).not.toContain('sk-live');
    expect(error.message.length).toBeLessThanOrEqual(501);
  });

  it.each<[string, unknown, string | undefined]>([
    ['a field name', { error: { message: 'bad', type: 'invalid_request_error', param: 'temperature', code: 'invalid_type' } }, 'temperature'],
    ['a path', { error: { message: 'bad', param: 'tools[0].function.parameters' } }, 'tools[0].function.parameters'],
    ['null', { error: { message: 'bad', param: null } }, undefined],
    ['not a string', { error: { message: 'bad', param: ['a'] } }, undefined],
    ['an empty string', { error: { message: 'bad', param: '' } }, undefined],
    ['text with spaces', { error: { message: 'bad', param: 'Bearer abc' } }, undefined],
    ['something key-shaped', { error: { message: 'bad', param: 'sk-live-0123456789abcdef' } }, undefined],
    ['a configured secret', { error: { message: 'bad', param: 'my-secret-key' } }, undefined],
    ['over 64 characters', { error: { message: 'bad', param: 'p'.repeat(65) } }, undefined],
  ])("carries the upstream's param only when it is a short identifier: %s", (_title, body, param) => {
    expect(classify(400, body).param).toBe(param);
  });

  it('uses a provider refiner last', () => {
    const refined = classifyFailure({ ...scope, refine: () => ({ kind: 'quota', message: 'billing' }) }, { status: 400, headers: new Headers(), body: undefined, text: '' });
    expect([refined.kind, refined.message]).toEqual(['quota', 'p: HTTP 400: billing']);
  });
});

describe('classifyThrown', () => {
  const withCause = (message: string, code: string, name = 'TypeError') =>
    Object.assign(new Error(message, { cause: Object.assign(new Error(`connect ${code}`), { code }) }), { name });

  it.each<[string, unknown, ErrorKind]>([
    ['ECONNREFUSED', withCause('fetch failed', 'ECONNREFUSED'), 'network'],
    ['ECONNRESET', withCause('fetch failed', 'ECONNRESET'), 'network'],
    ['undici socket', withCause('terminated', 'UND_ERR_SOCKET'), 'network'],
    ['socket hang up', new Error('socket hang up'), 'network'],
    ['headers timeout', withCause('fetch failed', 'UND_ERR_HEADERS_TIMEOUT'), 'timeout'],
    ['TimeoutError', new DOMException('t', 'TimeoutError'), 'timeout'],
    ['AbortError', new DOMException('a', 'AbortError'), 'aborted'],
    ['SyntaxError', new SyntaxError('Unexpected token'), 'malformed'],
    ['a string', 'weird', 'network'],
  ])('%s', (_title, error, kind) => expect(classifyThrown(scope, error).kind).toBe(kind));

  it('decides by the signal first: a TimeoutError reason is timeout, any other abort is aborted', () => {
    const timedOut = AbortSignal.abort(new DOMException('attempt timeout', 'TimeoutError'));
    const left = AbortSignal.abort();
    expect(classifyThrown(scope, new Error('x'), timedOut).kind).toBe('timeout');
    expect(classifyThrown(scope, new Error('x'), left).kind).toBe('aborted');
  });
});
