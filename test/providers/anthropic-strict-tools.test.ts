/**
 * Anthropic strict tool use: on the models that take structured outputs (Claude 4.5 and later,
 * or `options.structuredOutputs`), a tool marked `strict` goes out with `strict: true` and its
 * parameters brought to Anthropic's schema subset; what cannot be brought there, more than 20
 * strict tools, and schemas over the complexity limits counted across the output format and all
 * strict tools are refused (param `tools`). Older models get the tool without `strict` and a
 * warning, and the fake answers `strict` for them with Anthropic's 400.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChatRequest, ToolDefinition } from '../../src/core/types.js';
import { createAnthropicAdapter, toAnthropicRequest } from '../../src/providers/anthropic/index.js';
import { anthropicWire } from '../fakes/anthropic.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/server.js';
import { collect, createHarness, failure, fields, names } from './helpers.js';

let fake: FakeUpstream;
let harness: ReturnType<typeof createHarness>;
const create = (model = 'claude-sonnet-4-5', options: Record<string, unknown> = {}) =>
  createAnthropicAdapter({ name: 'claude', type: 'anthropic', baseUrl: fake.baseUrl, apiKey: 'sk-ant-test', model, headers: {}, options }, harness.environment);
const map = (request: ChatRequest, model = 'claude-sonnet-4-5', structuredOutputs?: boolean) => toAnthropicRequest(request, { model, stream: false, structuredOutputs });

const weather = { type: 'object', properties: { city: { type: 'string' }, celsius: { type: 'number' } }, required: ['city', 'celsius'], additionalProperties: false };
const getWeather: ToolDefinition = { name: 'get_weather', description: 'Weather now', parameters: weather, strict: true };
const ask = (tools: ToolDefinition[], extra: Partial<ChatRequest> = {}): ChatRequest => ({ messages: [{ role: 'user', content: 'Weather in Oslo?' }], tools, ...extra });
const sentTools = () => (fake.requests.at(-1)!.json as { tools: Record<string, unknown>[] }).tools;
/** An object schema with `optional` optional string properties and `unions` required nullable ones. */
const shaped = (optional: number, unions = 0) => ({
  type: 'object',
  properties: { ...fields(optional), ...fields(unions, { type: ['string', 'null'] }, 'u') },
  required: names(unions, 'u'),
  additionalProperties: false,
});
const tree = { type: 'object', properties: { root: { $ref: '#/$defs/node' } }, $defs: { node: { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/$defs/node' } } } } } };

beforeAll(async () => {
  fake = await startFakeUpstream(anthropicWire);
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  harness = createHarness();
});

describe('on a model with structured outputs', () => {
  it('sends a strict tool with strict: true; a tool not marked strict goes as before, without strict; no warning', async () => {
    const plain: ToolDefinition = { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string', minLength: 1 } } } };
    fake.enqueue({ type: 'ok', reply: { toolCalls: [{ id: 'toolu_01', name: 'get_weather', arguments: '{"city":"Oslo","celsius":3}' }] } });
    const response = await create().chat(ask([getWeather, plain, { ...plain, name: 'loose', strict: false }]), harness.context());
    expect(sentTools()).toEqual([
      { name: 'get_weather', description: 'Weather now', strict: true, input_schema: weather },
      { name: 'lookup', input_schema: plain.parameters },
      { name: 'loose', input_schema: plain.parameters },
    ]);
    expect(fake.requests.at(-1)!.headers).not.toHaveProperty('anthropic-beta');
    expect(response).toMatchObject({ toolCalls: [{ id: 'toolu_01', name: 'get_weather', arguments: '{"city":"Oslo","celsius":3}' }], finishReason: { unified: 'tool_calls' } });
    expect(response).not.toHaveProperty('warnings');
  });

  it('brings strict parameters to the subset as for the output format: objects closed, oneOf as anyOf, constraints into descriptions (one warning each)', () => {
    const parameters = {
      type: 'object',
      properties: { city: { type: 'string', minLength: 2 }, when: { type: 'object', properties: { day: { type: 'integer', minimum: 1, maximum: 7 } } }, unit: { oneOf: [{ const: 'C' }, { const: 'F' }] } },
      required: ['city'],
    };
    const { body, warnings } = map(ask([{ name: 'forecast', parameters, strict: true }]));
    expect(body.tools).toEqual([
      {
        name: 'forecast',
        strict: true,
        input_schema: {
          type: 'object',
          properties: {
            city: { type: 'string', description: 'Not enforced by the tool schema, but required: minLength 2' },
            when: { type: 'object', properties: { day: { type: 'integer', description: 'Not enforced by the tool schema, but required: minimum 1, maximum 7' } }, additionalProperties: false },
            unit: { anyOf: [{ const: 'C' }, { const: 'F' }] },
          },
          required: ['city'],
          additionalProperties: false,
        },
      },
    ]);
    expect(warnings).toEqual([
      'Anthropic structured outputs do not enforce minLength, minimum, maximum; they were moved into the schema descriptions',
      'Anthropic structured outputs do not enforce oneOf; it was sent as anyOf',
    ]);
  });

  it('gives one warning for what the output format and the strict tools lost together', () => {
    const { warnings } = map(
      ask([{ name: 'a', parameters: { type: 'object', properties: { n: { type: 'integer', minimum: 0 } }, required: ['n'] }, strict: true }], {
        responseFormat: { type: 'json_schema', name: 'r', schema: { type: 'object', properties: { s: { type: 'string', maxLength: 9 }, n: { type: 'integer', minimum: 1 } }, required: ['s', 'n'] } },
      }),
    );
    expect(warnings).toEqual(['Anthropic structured outputs do not enforce maxLength, minimum; they were moved into the schema descriptions']);
  });

  it('sends a strict tool without parameters as a closed empty object', () => {
    expect(map(ask([{ name: 'now', strict: true }])).body.tools).toEqual([{ name: 'now', strict: true, input_schema: { type: 'object', properties: {}, additionalProperties: false } }]);
  });

  it('streams the strict tool call', async () => {
    fake.enqueue({ type: 'ok', reply: { toolCalls: [{ id: 'toolu_02', name: 'get_weather', arguments: '{"city":"Oslo","celsius":3}' }] } });
    const parts = await collect(create().stream(ask([getWeather]), harness.context()));
    expect(sentTools()).toEqual([{ name: 'get_weather', description: 'Weather now', strict: true, input_schema: weather }]);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'tool_calls' } });
  });

  it('options.structuredOutputs: true sends strict for a name that does not tell; false does not, with the warning', () => {
    expect(map(ask([getWeather]), 'my-proxy-model', true).body.tools).toEqual([{ name: 'get_weather', description: 'Weather now', strict: true, input_schema: weather }]);
    const off = map(ask([getWeather]), 'claude-sonnet-4-5', false);
    expect(off.body.tools).toEqual([{ name: 'get_weather', description: 'Weather now', input_schema: weather }]);
    expect(off.warnings).toEqual(['Anthropic does not enforce tool parameter schemas for claude-sonnet-4-5 (strict tool use needs Claude 4.5 or later, or options.structuredOutputs); "strict" was not sent']);
  });
});

describe('on an older model', () => {
  it.each(['claude-sonnet-4-20250514', 'claude-3-5-haiku-20241022'])('%s: the tool goes without strict and unconverted, with a warning; nothing is refused', (model) => {
    const { body, warnings } = map(ask([getWeather, { name: 'tree', parameters: tree, strict: true }]), model);
    expect(body.tools).toEqual([
      { name: 'get_weather', description: 'Weather now', input_schema: weather },
      { name: 'tree', input_schema: tree },
    ]);
    expect(warnings).toEqual([`Anthropic does not enforce tool parameter schemas for ${model} (strict tool use needs Claude 4.5 or later, or options.structuredOutputs); "strict" was not sent`]);
    expect(create(model).refuses!(ask([{ name: 'tree', parameters: tree, strict: true }]))).toBeUndefined();
  });
});

describe('what is refused (param tools; the engine routes the request elsewhere)', () => {
  it.each([
    ['a recursive schema', [{ name: 'tree', parameters: tree, strict: true }], 'recursive schemas ($ref #/$defs/node) in the parameters of strict tool "tree"'],
    ['a free-form object', [getWeather, { name: 'meta', parameters: { type: 'object', properties: { any: { type: 'object' } } }, strict: true }], 'open objects: an object without properties must say additionalProperties: false (at #/properties/any) in the parameters of strict tool "meta"'],
    ['a negation', [{ name: 'neg', parameters: { type: 'object', properties: { p: { not: { type: 'string' } } } }, strict: true }], '"not" (at #/properties/p) in the parameters of strict tool "neg"'],
    ['more than 20 strict tools', Array.from({ length: 21 }, (_, i) => ({ ...getWeather, name: `t${i}` })), 'more than 20 strict tools in a request (21 here)'],
    [
      'more than 24 optional properties across two strict tools',
      [{ name: 'a', parameters: shaped(12), strict: true }, { name: 'b', parameters: shaped(13), strict: true }],
      "more than 24 optional properties (25 here, across 2 strict tools, counting every property not in its object's required)",
    ],
    [
      'more than 16 union properties across three strict tools',
      [{ name: 'a', parameters: shaped(0, 6), strict: true }, { name: 'b', parameters: shaped(0, 6), strict: true }, { name: 'c', parameters: shaped(0, 5), strict: true }],
      'more than 16 properties with anyOf or a type array (17 here, across 3 strict tools)',
    ],
  ] as [string, ToolDefinition[], string][])('%s', (_name, tools, what) => {
    expect(create().refuses!(ask(tools))).toEqual({ param: 'tools', reason: `Anthropic structured outputs do not support ${what}` });
  });

  it('counts the output schema and the strict tools together; the tools are named when they tip it over', () => {
    const request = ask([{ name: 'a', parameters: shaped(12), strict: true }], { responseFormat: { type: 'json_schema', name: 'r', schema: shaped(13) } });
    expect(create().refuses!(request)).toEqual({
      param: 'tools',
      reason: "Anthropic structured outputs do not support more than 24 optional properties (25 here, across the output format and 1 strict tool, counting every property not in its object's required)",
    });
    const unions = ask([{ name: 'a', parameters: shaped(0, 8), strict: true }], { responseFormat: { type: 'json_schema', name: 'r', schema: shaped(0, 9) } });
    expect(create().refuses!(unions)).toEqual({ param: 'tools', reason: 'Anthropic structured outputs do not support more than 16 properties with anyOf or a type array (17 here, across the output format and 1 strict tool)' });
  });

  it('names response_format when the output schema alone is over a limit', () => {
    const request = ask([{ name: 'a', parameters: shaped(3), strict: true }], { responseFormat: { type: 'json_schema', name: 'r', schema: shaped(25) } });
    expect(create().refuses!(request)).toMatchObject({ param: 'response_format', reason: expect.stringContaining('more than 24 optional properties (25 here') });
  });

  it('takes 20 strict tools, the limits reached exactly, and does not count tools not marked strict', () => {
    expect(create().refuses!(ask(Array.from({ length: 20 }, (_, i) => ({ ...getWeather, name: `t${i}` }))))).toBeUndefined();
    const atLimits = ask([{ name: 'a', parameters: shaped(12, 8), strict: true }, { name: 'b', parameters: shaped(0, 8), strict: true }, { name: 'loose', parameters: shaped(30, 20) }], {
      responseFormat: { type: 'json_schema', name: 'r', schema: shaped(12) },
    });
    expect(create().refuses!(atLimits)).toBeUndefined();
    expect(map(atLimits).body.tools).toHaveLength(3);
  });

  it('fails a call with such a tool at once as unsupported, naming tools, without sending it (the engine asks refuses only with a response format or content parts)', async () => {
    const request = ask([{ name: 'tree', parameters: tree, strict: true }]);
    const error = await failure(create().chat(request, harness.context()));
    expect([error.kind, error.param, error.retryable]).toEqual(['unsupported', 'tools', true]);
    expect(error.message).toBe('claude: Anthropic structured outputs do not support recursive schemas ($ref #/$defs/node) in the parameters of strict tool "tree"');
    const streamed = await collect(create().stream(request, harness.context())).then(
      () => undefined,
      (thrown: unknown) => thrown as { kind?: string; param?: string },
    );
    expect(streamed).toMatchObject({ kind: 'unsupported', param: 'tools' });
    expect(fake.requests).toHaveLength(0);
  });

  it('a direct caller of the mapper gets the tools without strict and the warning', () => {
    const { body, warnings } = map(ask([{ name: 'tree', parameters: tree, strict: true }]));
    expect(body.tools).toEqual([{ name: 'tree', input_schema: tree }]);
    expect(warnings).toEqual([expect.stringContaining('"strict" was not sent')]);
  });
});

describe('the fake, as the real API', () => {
  it("answers strict on a model without structured outputs with Anthropic's 400 (a model that cannot, so unsupported)", async () => {
    const error = await failure(create('claude-sonnet-4-20250514', { structuredOutputs: true }).chat(ask([getWeather]), harness.context()));
    expect([error.kind, error.status]).toEqual(['unsupported', 400]);
    expect(error.message).toContain("'claude-sonnet-4-20250514' does not support strict tools.");
  });

  it('takes strict: false and tools without strict on any model', async () => {
    fake.enqueue({ type: 'ok', reply: { content: 'Sunny.' } }, { type: 'ok', reply: { content: 'Sunny.' } });
    const post = (tool: Record<string, unknown>) =>
      fetch(`${fake.baseUrl}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'claude-3-5-haiku-20241022', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }], tools: [{ name: 'f', input_schema: { type: 'object' }, ...tool }] }),
      });
    expect((await post({ strict: false })).status).toBe(200);
    expect((await post({})).status).toBe(200);
  });
});
