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
    [409, 'server'], [413, 'bad_request'], [422, 'bad_request'], [429, 'rate_limit'], [500, 'server'], [502, 'server'],
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
  ])('%s', (_title, status, body, kind) => expect(classify(status, body).kind).toBe(kind));

  it('carries status, retryAfterMs and a redacted, bounded message', () => {
    const error = classify(429, { error: { message: `key my-secret-key and sk-live-0123456789abcdef rejected ${'x'.repeat(900)}` } }, { 'retry-after': '3' });
    expect([error.status, error.retryAfterMs, error.retryable]).toEqual([429, 3000, true]);
    expect(error.message).not.toContain('my-secret-key');
    expect(error.message).not.toContain('sk-live');
    expect(error.message.length).toBeLessThanOrEqual(501);
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
