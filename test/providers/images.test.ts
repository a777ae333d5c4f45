/**
 * Images across the provider types: what each adapter refuses before sending (so the engine
 * routes the request to a provider that can take it, never an upstream 400 a refusal could
 * have avoided), the warning for an image `detail` a wire has no field for, and how an
 * upstream that cannot see images (a text-only Ollama model) is classified.
 */
import { describe, expect, it } from 'vitest';
import type { ProviderAdapter } from '../../src/core/adapter.js';
import type { ChatRequest, ContentPart } from '../../src/core/types.js';
import { createAnthropicAdapter, toAnthropicRequest } from '../../src/providers/anthropic/index.js';
import { createGeminiAdapter, toGeminiRequest } from '../../src/providers/gemini/index.js';
import { createOllamaAdapter, toOllamaRequest } from '../../src/providers/ollama/index.js';
import { toOpenAIRequest } from '../../src/providers/openai/index.js';
import { classifyFailure } from '../../src/providers/shared/errors.js';
import { createHarness } from './helpers.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
const harness = createHarness();
const settings = (type: 'anthropic' | 'gemini' | 'ollama') => ({ name: type, type, baseUrl: 'http://127.0.0.1:9', apiKey: 'k', model: `${type}-model`, headers: {}, options: {} });
const adapters: Record<'anthropic' | 'gemini' | 'ollama', ProviderAdapter> = {
  anthropic: createAnthropicAdapter(settings('anthropic'), harness.environment),
  gemini: createGeminiAdapter(settings('gemini'), harness.environment),
  ollama: createOllamaAdapter(settings('ollama'), harness.environment),
};
const image = (url: string, detail?: 'auto' | 'low' | 'high'): ContentPart => ({ type: 'image_url', url, ...(detail === undefined ? {} : { detail }) });
const ask = (...images: ContentPart[]): ChatRequest => ({ messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, ...images] }] });

describe('Gemini media types', () => {
  it.each(['image/gif', 'image/svg+xml', 'image/bmp', 'image/tiff'])('refuses an inline %s image, which Gemini answers with a 400', (type) => {
    expect(adapters.gemini.refuses!(ask(image(`data:${type};base64,AAAA`)))).toEqual({
      param: 'messages[0].content[1]',
      reason: `Gemini does not accept images of type ${type}`,
    });
  });

  it.each(['image/png', 'image/jpeg', 'image/jpg', 'IMAGE/WEBP', 'image/heic', 'image/heif'])('takes an inline %s image', (type) => {
    expect(adapters.gemini.refuses!(ask(image(`data:${type};base64,${PNG}`)))).toBeUndefined();
  });
});

describe("Anthropic's limits", () => {
  it('refuses an image whose base64 data is over 5 MB (Anthropic counts the base64 text), naming the part', () => {
    const big = `data:image/png;base64,${'A'.repeat(5 * 1024 * 1024 + 4)}`;
    expect(adapters.anthropic.refuses!(ask(image(big)))).toEqual({
      param: 'messages[0].content[1]',
      reason: 'Anthropic takes images of at most 5 MB (5242880 characters of base64); this one has 5242884',
    });
    expect(adapters.anthropic.refuses!(ask(image(`data:image/png;base64,${'A'.repeat(5 * 1024 * 1024)}`)))).toBeUndefined();
  });

  it('refuses more than 100 images in a request (inline or by URL), and takes 100', () => {
    const many = (n: number) => ask(...Array.from({ length: n }, (_, i) => image(i % 2 === 0 ? `data:image/png;base64,${PNG}` : `https://example.com/${i}.png`)));
    expect(adapters.anthropic.refuses!(many(100))).toBeUndefined();
    expect(adapters.anthropic.refuses!(many(101))).toEqual({ param: 'messages', reason: 'Anthropic takes at most 100 images in a request; this one has 101' });
  });

  it('counts only the images it would send (user turns), not those dropped with a warning elsewhere', () => {
    const request: ChatRequest = {
      messages: [
        { role: 'assistant', content: Array.from({ length: 101 }, () => image(`data:image/png;base64,${PNG}`)) },
        { role: 'user', content: [image(`data:image/png;base64,${PNG}`)] },
      ],
    };
    expect(adapters.anthropic.refuses!(request)).toBeUndefined();
  });
});

describe('image detail', () => {
  const detailed = ask(image(`data:image/png;base64,${PNG}`, 'high'), image(`data:image/png;base64,${PNG}`, 'low'));
  it.each([
    ['Anthropic', () => toAnthropicRequest(detailed, { model: 'claude-sonnet-4-5', stream: false }).warnings],
    ['Gemini', () => toGeminiRequest(detailed, { model: 'gemini-2.5-flash' }).warnings],
    ['ollama', () => toOllamaRequest(detailed, { model: 'llava', stream: false }).warnings],
  ])('is a warning on %s, which has no per-image detail (once per request)', (provider, warnings) => {
    expect(warnings()).toEqual([`${provider} has no image detail setting; "detail" was not sent`]);
  });

  it.each([
    ['Anthropic', () => toAnthropicRequest(ask(image(`data:image/png;base64,${PNG}`, 'auto')), { model: 'claude-sonnet-4-5', stream: false }).warnings],
    ['Gemini', () => toGeminiRequest(ask(image(`data:image/png;base64,${PNG}`, 'auto')), { model: 'gemini-2.5-flash' }).warnings],
    ['ollama', () => toOllamaRequest(ask(image(`data:image/png;base64,${PNG}`, 'auto')), { model: 'llava', stream: false }).warnings],
  ])('needs no warning on %s when it is auto (the default)', (_provider, warnings) => {
    expect(warnings()).toEqual([]);
  });

  it('goes to OpenAI as given', () => {
    const { body, warnings } = toOpenAIRequest(detailed, { model: 'gpt-4o', stream: false });
    expect((body.messages as { content: unknown[] }[])[0]!.content[1]).toEqual({ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}`, detail: 'high' } });
    expect(warnings).toEqual([]);
  });
});

describe('a model that cannot see images', () => {
  const scope = { provider: 'ollama', secrets: [], now: () => 0 };
  const failure = (status: number, error: string) => ({ status, headers: { get: () => null }, body: { error }, text: JSON.stringify({ error }) });

  // Ollama's runner fails the sequence with a 500 (`model.ErrNoVisionModel`); some versions answer 400.
  it.each([500, 400])('is unsupported (fails over, neutral for health) when Ollama answers %i "missing data required for image input"', (status) => {
    const error = classifyFailure(scope, failure(status, 'Failed to create new sequence: failed to process inputs: this model is missing data required for image input'));
    expect(error.kind).toBe('unsupported');
  });

  it('leaves other server errors alone', () => {
    expect(classifyFailure(scope, failure(500, 'llama runner process has terminated: exit status 2')).kind).toBe('server');
  });
});
