/**
 * The OpenAI parameters beyond the basics, across the four request mappers: strict structured
 * output, penalties, logit bias, parallel tool calls, reasoning effort, service tier and
 * store. Each is sent where the provider has it, else it is a warning (never a silent drop);
 * a JSON response format Anthropic cannot honour is refused (`refuses`) so the engine routes
 * the request elsewhere.
 */
import { describe, expect, it } from 'vitest';
import type { ChatRequest } from '../../src/core/types.js';
import { createAnthropicAdapter, toAnthropicRequest } from '../../src/providers/anthropic/index.js';
import { toGeminiRequest } from '../../src/providers/gemini/index.js';
import { toOllamaRequest } from '../../src/providers/ollama/index.js';
import { toOpenAIRequest } from '../../src/providers/openai/index.js';
import { createHarness } from './helpers.js';

const messages: ChatRequest['messages'] = [{ role: 'user', content: 'Weather in Oslo?' }];
const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
const tool = { name: 'get_weather', description: 'Weather now', parameters: schema, strict: true };
const structured: ChatRequest = {
  messages,
  responseFormat: { type: 'json_schema', name: 'weather_report', description: 'A weather report', strict: true, schema },
  tools: [tool],
};
const extras: ChatRequest = {
  messages,
  frequencyPenalty: 0.5,
  presencePenalty: -0.25,
  logitBias: { '50256': -100 },
  parallelToolCalls: false,
  reasoningEffort: 'low',
  serviceTier: 'flex',
  store: true,
  tools: [{ name: 'get_weather' }],
};
const openai = (request: ChatRequest, model = 'gpt-4o') => toOpenAIRequest(request, { model, stream: false });
const anthropic = (request: ChatRequest) => toAnthropicRequest(request, { model: 'claude', stream: false });
const ollama = (request: ChatRequest) => toOllamaRequest(request, { model: 'llama3.2', stream: false, provider: 'local' });

describe('strict structured output', () => {
  it('reaches OpenAI unchanged: the response format with its name, description and strict, and strict tools', () => {
    const { body, warnings } = openai(structured);
    expect(body.response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'weather_report', description: 'A weather report', strict: true, schema },
    });
    expect(body.tools).toEqual([{ type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: schema, strict: true } }]);
    expect(warnings).toEqual([]);
  });

  it('names an unnamed schema "response" for OpenAI (which requires a name) and sends strict: false as given', () => {
    const { body } = openai({ messages, responseFormat: { type: 'json_schema', schema, strict: false }, tools: [{ name: 'f', strict: false }] });
    expect(body.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'response', strict: false, schema } });
    expect((body.tools as { function: Record<string, unknown> }[])[0]!.function.strict).toBe(false);
  });

  it('is enforced by Gemini and Ollama schemas without a warning; their tools are not strict, which is a warning', () => {
    const gemini = toGeminiRequest(structured);
    expect(gemini.body.generationConfig).toEqual({ responseMimeType: 'application/json', responseJsonSchema: schema });
    expect(gemini.warnings).toEqual(['Gemini does not enforce tool parameter schemas; "strict" was not sent']);
    const local = ollama(structured);
    expect(local.body.format).toEqual(schema);
    expect(local.warnings).toEqual(['local does not enforce tool parameter schemas; "strict" was not sent']);
  });

  it('is refused by an Anthropic model without structured outputs, naming response_format (the engine routes it elsewhere)', () => {
    const adapter = createAnthropicAdapter({ name: 'claude', type: 'anthropic', baseUrl: 'http://127.0.0.1:9', apiKey: 'k', model: 'claude', headers: {}, options: {} }, createHarness().environment);
    const reason = 'Anthropic has no JSON output mode for claude (structured outputs need Claude 4.5 or later, or options.structuredOutputs); the answer would be prose';
    expect(adapter.refuses!({ messages, responseFormat: { type: 'json_object' } })).toEqual({ param: 'response_format', reason });
    expect(adapter.refuses!(structured)).toEqual({ param: 'response_format', reason });
    expect(adapter.refuses!({ messages, responseFormat: { type: 'text' } })).toBeUndefined();
    // A direct caller of the mapper still gets a warning, and no warning for plain text.
    expect(anthropic({ messages, responseFormat: { type: 'json_object' } }).warnings).toEqual(['Anthropic does not support "responseFormat"; it was not sent']);
    expect(anthropic({ messages, responseFormat: { type: 'text' } }).warnings).toEqual([]);
  });

  it('warns that an Anthropic model without structured outputs does not enforce strict tool schemas (strict tools: anthropic-strict-tools.test.ts)', () => {
    const { body, warnings } = anthropic({ messages, tools: [tool] });
    expect(body.tools).toEqual([{ name: 'get_weather', description: 'Weather now', input_schema: schema }]);
    expect(warnings).toEqual(['Anthropic does not enforce tool parameter schemas for claude (strict tool use is off: options.strictTools turns it on); "strict" was not sent']);
  });
});

describe('penalties, logit bias, parallel tool calls, reasoning effort, service tier, store', () => {
  it('all reach an OpenAI chat model but reasoning_effort, which only reasoning models take (a warning)', () => {
    const { body, warnings } = openai(extras);
    expect(body).toMatchObject({
      frequency_penalty: 0.5,
      presence_penalty: -0.25,
      logit_bias: { '50256': -100 },
      parallel_tool_calls: false,
      service_tier: 'flex',
      store: true,
    });
    expect(body).not.toHaveProperty('reasoning_effort');
    expect(warnings).toEqual(['OpenAI non-reasoning models (gpt-4o) do not take reasoning_effort; "reasoningEffort" was not sent']);
    expect(openai(extras, 'o3').body).toMatchObject({ reasoning_effort: 'low' });
  });

  it('OpenAI: parallel_tool_calls only with tools; penalties, logit_bias and parallel_tool_calls not to o-series models (a warning each)', () => {
    expect(openai({ messages, parallelToolCalls: false }).body).not.toHaveProperty('parallel_tool_calls');
    const { body, warnings } = openai(extras, 'o3-mini');
    expect(body).not.toHaveProperty('frequency_penalty');
    expect(body).not.toHaveProperty('presence_penalty');
    expect(body).not.toHaveProperty('logit_bias');
    expect(body).not.toHaveProperty('parallel_tool_calls');
    expect(body).toMatchObject({ reasoning_effort: 'low', service_tier: 'flex', store: true });
    expect(warnings).toEqual([
      'OpenAI reasoning models (o3-mini) take only the default frequency_penalty; "frequencyPenalty" was not sent',
      'OpenAI reasoning models (o3-mini) take only the default presence_penalty; "presencePenalty" was not sent',
      'OpenAI reasoning models (o3-mini) take only the default logit_bias; "logitBias" was not sent',
      'OpenAI reasoning models (o3-mini) do not take parallel_tool_calls; "parallelToolCalls" was not sent',
    ]);
  });

  it('OpenAI: logit_bias only to OpenAI\'s and Azure OpenAI\'s hosts, whose token ids it holds; elsewhere a warning naming the host', () => {
    const at = (baseUrl: string) => toOpenAIRequest(extras, { model: 'gpt-4o', stream: false, baseUrl });
    expect(at('https://api.openai.com/v1').body).toMatchObject({ logit_bias: { '50256': -100 } });
    expect(at('https://my-org.openai.azure.com/openai/v1').body).toMatchObject({ logit_bias: { '50256': -100 } });
    // Azure OpenAI resources created in Azure AI Foundry answer on cognitiveservices.azure.com.
    expect(at('https://my-org.cognitiveservices.azure.com/openai/v1').body).toMatchObject({ logit_bias: { '50256': -100 } });
    for (const [baseUrl, host] of [
      ['https://api.groq.com/openai/v1', 'api.groq.com'],
      ['http://127.0.0.1:8000/v1', '127.0.0.1'],
      ['https://api.openai.com.example.net/v1', 'api.openai.com.example.net'],
      ['https://my-org.services.ai.azure.com/models', 'my-org.services.ai.azure.com'],
    ]) {
      const { body, warnings } = at(baseUrl!);
      expect(body).not.toHaveProperty('logit_bias');
      expect(warnings).toContain(`logit_bias holds OpenAI token ids, which may mean other tokens on ${host}; "logitBias" was not sent`);
    }
  });

  /** The warnings of a provider that takes none of logitBias, parallelToolCalls, reasoningEffort, serviceTier, store. */
  const notSupported = (provider: string) =>
    ['logitBias', 'parallelToolCalls', 'reasoningEffort', 'serviceTier', 'store'].map((field) => `${provider} does not support "${field}"; it was not sent`);

  it('Gemini: penalties in generationConfig for gemini-1.5 models only, the rest warnings', () => {
    const { body, warnings } = toGeminiRequest(extras, { model: 'gemini-1.5-flash' });
    expect(body.generationConfig).toEqual({ frequencyPenalty: 0.5, presencePenalty: -0.25 });
    expect(warnings).toEqual(notSupported('Gemini'));
    expect(toGeminiRequest(extras, { model: 'models/gemini-1.5-pro-002' }).body.generationConfig).toEqual({ frequencyPenalty: 0.5, presencePenalty: -0.25 });
  });

  it('Gemini: no penalties to 2.x and later models, which answer "Penalty is not enabled" (a warning each)', () => {
    for (const model of ['gemini-2.5-flash', 'models/gemini-3-pro-preview', 'gemini-2.0-flash']) {
      const { body, warnings } = toGeminiRequest({ messages, frequencyPenalty: 0.5, presencePenalty: -0.25 }, { model });
      const name = model.replace('models/', '');
      expect(body).not.toHaveProperty('generationConfig');
      expect(warnings).toEqual([
        `Gemini enables penalties only for gemini-1.5 models, not ${name}; "frequencyPenalty" was not sent`,
        `Gemini enables penalties only for gemini-1.5 models, not ${name}; "presencePenalty" was not sent`,
      ]);
    }
  });

  it('Gemini: a penalty of 2 or more is sent as 1.99 (the API takes up to, not including, 2), with a warning', () => {
    const { body, warnings } = toGeminiRequest({ messages, frequencyPenalty: 2, presencePenalty: -2 }, { model: 'gemini-1.5-flash' });
    expect(body.generationConfig).toEqual({ frequencyPenalty: 1.99, presencePenalty: -2 });
    expect(warnings).toEqual(['Gemini frequencyPenalty must be within -2..1.99; 2 was sent as 1.99']);
  });

  it('Ollama: penalties in options, the rest warnings', () => {
    const { body, warnings } = ollama(extras);
    expect(body.options).toEqual({ frequency_penalty: 0.5, presence_penalty: -0.25 });
    expect(warnings).toEqual(notSupported('local'));
  });

  it('Anthropic: no parallel tool use as tool_choice.disable_parallel_tool_use, the rest warnings', () => {
    const { body, warnings } = anthropic(extras);
    expect(body.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(anthropic({ ...extras, toolChoice: 'required' }).body.tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
    expect(anthropic({ ...extras, toolChoice: { name: 'get_weather' } }).body.tool_choice).toEqual({ type: 'tool', name: 'get_weather', disable_parallel_tool_use: true });
    expect(anthropic({ ...extras, toolChoice: 'none' }).body.tool_choice).toEqual({ type: 'none' });
    expect(anthropic({ messages, parallelToolCalls: false }).body).not.toHaveProperty('tool_choice');
    expect(anthropic({ ...extras, parallelToolCalls: true }).body).not.toHaveProperty('tool_choice');
    expect(warnings).toEqual([
      'Anthropic does not support "frequencyPenalty"; it was not sent',
      'Anthropic does not support "presencePenalty"; it was not sent',
      'Anthropic does not support "logitBias"; it was not sent',
      'Anthropic does not support "reasoningEffort"; it was not sent',
      'Anthropic does not support "serviceTier"; it was not sent',
      'Anthropic does not support "store"; it was not sent',
    ]);
  });

  it('need no warning anywhere when they ask for the default: store false, service tier auto, parallel tool calls', () => {
    const neutral: ChatRequest = { messages, store: false, serviceTier: 'auto', parallelToolCalls: true, tools: [{ name: 'f' }] };
    expect(anthropic(neutral).warnings).toEqual([]);
    expect(toGeminiRequest(neutral).warnings).toEqual([]);
    expect(ollama(neutral).warnings).toEqual([]);
    expect(openai(neutral).body).toMatchObject({ store: false, service_tier: 'auto', parallel_tool_calls: true });
  });

  it('are never sent nor warned about when they ask for nothing: penalties of 0, an empty logit bias', () => {
    const none: ChatRequest = { messages, frequencyPenalty: 0, presencePenalty: 0, logitBias: {} };
    for (const model of ['gpt-4o', 'o3', 'gpt-5']) {
      const { body, warnings } = openai(none, model);
      expect(Object.keys(body).sort()).toEqual(['messages', 'model']);
      expect(warnings).toEqual([]);
    }
    for (const model of ['gemini-1.5-flash', 'gemini-2.5-flash']) {
      expect(toGeminiRequest(none, { model })).toMatchObject({ warnings: [] });
      expect(toGeminiRequest(none, { model }).body).not.toHaveProperty('generationConfig');
    }
    expect(ollama(none).body).not.toHaveProperty('options');
    expect(ollama(none).warnings).toEqual([]);
    expect(anthropic(none).warnings).toEqual([]);
  });
});

describe('toolChoice without tools', () => {
  it('is not sent to OpenAI or Gemini, which refuse it; one that asks for a call is a warning', () => {
    for (const toolChoice of ['auto', 'none'] as const) {
      expect(openai({ messages, toolChoice })).toMatchObject({ warnings: [] });
      expect(openai({ messages, toolChoice }).body).not.toHaveProperty('tool_choice');
      expect(toGeminiRequest({ messages, toolChoice })).toMatchObject({ warnings: [] });
      expect(toGeminiRequest({ messages, toolChoice }).body).not.toHaveProperty('toolConfig');
    }
    for (const toolChoice of ['required', { name: 'get_weather' }] as const) {
      const sent = openai({ messages, toolChoice });
      expect(sent.body).not.toHaveProperty('tool_choice');
      expect(sent.warnings).toEqual(['toolChoice without tools was not sent to OpenAI']);
      const gemini = toGeminiRequest({ messages, toolChoice });
      expect(gemini.body).not.toHaveProperty('toolConfig');
      expect(gemini.warnings).toEqual(['toolChoice without tools was not sent to Gemini']);
      expect(ollama({ messages, toolChoice }).body).not.toHaveProperty('tool_choice');
    }
    expect(openai({ messages, tools: [tool], toolChoice: 'none' }).body).toMatchObject({ tool_choice: 'none' });
  });
});
