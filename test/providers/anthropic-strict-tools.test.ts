/**
 * Anthropic strict tool use is opt-in (`options.strictTools`). Without it a tool marked `strict`
 * goes as before strict tool use: no `strict`, its schema as given, a warning. With it, on the
 * models that take structured outputs (Claude 4.5 and later, or `options.structuredOutputs`),
 * tools marked `strict` go with `strict: true` and their parameters brought to Anthropic's schema
 * subset when all of them can be and fit its limits (20 strict tools; optional and union
 * properties counted with the output schema); else none goes strict, with a warning saying why.
 * Tools are never refused. The fake answers `strict` on older models with Anthropic's 400.
 */
import { describe, expect, it } from 'vitest';
import type { ChatRequest, ToolDefinition } from '../../src/core/types.js';
import { createAnthropicAdapter, toAnthropicRequest } from '../../src/providers/anthropic/index.js';
import { anthropicWire } from '../fakes/anthropic.js';
import { collect, failure, fields, names, useFakeUpstream } from './helpers.js';

const upstream = useFakeUpstream(anthropicWire);
const ON = { strictTools: true };
const create = (model = 'claude-sonnet-4-5', options: Record<string, unknown> = ON) =>
  createAnthropicAdapter({ name: 'claude', type: 'anthropic', baseUrl: upstream.fake.baseUrl, apiKey: 'sk-ant-test', model, headers: {}, options }, upstream.harness.environment);
const map = (request: ChatRequest, model = 'claude-sonnet-4-5', structuredOutputs?: boolean, strictTools = true) => toAnthropicRequest(request, { model, stream: false, structuredOutputs, strictTools });
const OFF_WARNING = (model: string) => `Anthropic does not enforce tool parameter schemas for ${model} (strict tool use is off: options.strictTools turns it on); "strict" was not sent`;
const OLD_WARNING = (model: string) => `Anthropic does not enforce tool parameter schemas for ${model} (strict tool use needs Claude 4.5 or later, or options.structuredOutputs); "strict" was not sent`;

const weather = { type: 'object', properties: { city: { type: 'string' }, celsius: { type: 'number' } }, required: ['city', 'celsius'], additionalProperties: false };
const getWeather: ToolDefinition = { name: 'get_weather', description: 'Weather now', parameters: weather, strict: true };
const ask = (tools: ToolDefinition[], extra: Partial<ChatRequest> = {}): ChatRequest => ({ messages: [{ role: 'user', content: 'Weather in Oslo?' }], tools, ...extra });
const sentTools = () => (upstream.fake.requests.at(-1)!.json as { tools: Record<string, unknown>[] }).tools;
/** An object schema with `optional` optional string properties and `unions` required nullable ones. */
const shaped = (optional: number, unions = 0) => ({
  type: 'object',
  properties: { ...fields(optional), ...fields(unions, { type: ['string', 'null'] }, 'u') },
  required: names(unions, 'u'),
  additionalProperties: false,
});
const tree = { type: 'object', properties: { root: { $ref: '#/$defs/node' } }, $defs: { node: { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/$defs/node' } } } } } };

describe('without options.strictTools (the default)', () => {
  it('sends tools marked strict on Claude 4.5 as before strict tool use: no strict, unconverted, one warning; nothing is refused', async () => {
    const tools = [getWeather, { name: 'tree', parameters: tree, strict: true }];
    upstream.fake.enqueue({ type: 'ok', reply: { content: 'Sunny.' } });
    const response = await create('claude-sonnet-4-5', {}).chat(ask(tools), upstream.harness.context());
    expect(sentTools()).toEqual([
      { name: 'get_weather', description: 'Weather now', input_schema: weather },
      { name: 'tree', input_schema: tree },
    ]);
    expect(response.warnings).toEqual([OFF_WARNING('claude-sonnet-4-5')]);
    const many = Array.from({ length: 21 }, (_, i) => ({ ...getWeather, name: `t${i}` }));
    expect(create('claude-sonnet-4-5', {}).refuses!(ask(many))).toBeUndefined();
    expect(create('claude-sonnet-4-5', { strictTools: false, structuredOutputs: true }).refuses!(ask(tools))).toBeUndefined();
  });

  it('still sends a JSON response format as output_config.format (structuredOutputs governs that alone)', () => {
    const { body, warnings } = map(ask([getWeather], { responseFormat: { type: 'json_schema', name: 'r', schema: weather } }), 'claude-sonnet-4-5', undefined, false);
    expect(body.output_config).toEqual({ format: { type: 'json_schema', schema: weather } });
    expect(body.tools).toEqual([{ name: 'get_weather', description: 'Weather now', input_schema: weather }]);
    expect(warnings).toEqual([OFF_WARNING('claude-sonnet-4-5')]);
  });
});

describe('with options.strictTools, on a model with structured outputs', () => {
  it('sends a strict tool with strict: true; a tool not marked strict goes as before, without strict; no warning', async () => {
    const plain: ToolDefinition = { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string', minLength: 1 } } } };
    upstream.fake.enqueue({ type: 'ok', reply: { toolCalls: [{ id: 'toolu_01', name: 'get_weather', arguments: '{"city":"Oslo","celsius":3}' }] } });
    const response = await create().chat(ask([getWeather, plain, { ...plain, name: 'loose', strict: false }]), upstream.harness.context());
    expect(sentTools()).toEqual([
      { name: 'get_weather', description: 'Weather now', strict: true, input_schema: weather },
      { name: 'lookup', input_schema: plain.parameters },
      { name: 'loose', input_schema: plain.parameters },
    ]);
    expect(upstream.fake.requests.at(-1)!.headers).not.toHaveProperty('anthropic-beta');
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
    upstream.fake.enqueue({ type: 'ok', reply: { toolCalls: [{ id: 'toolu_02', name: 'get_weather', arguments: '{"city":"Oslo","celsius":3}' }] } });
    const parts = await collect(create().stream(ask([getWeather]), upstream.harness.context()));
    expect(sentTools()).toEqual([{ name: 'get_weather', description: 'Weather now', strict: true, input_schema: weather }]);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'tool_calls' } });
  });

  it('options.structuredOutputs: true sends strict for a name that does not tell; false does not, with the warning', () => {
    expect(map(ask([getWeather]), 'my-proxy-model', true).body.tools).toEqual([{ name: 'get_weather', description: 'Weather now', strict: true, input_schema: weather }]);
    const off = map(ask([getWeather]), 'claude-sonnet-4-5', false);
    expect(off.body.tools).toEqual([{ name: 'get_weather', description: 'Weather now', input_schema: weather }]);
    expect(off.warnings).toEqual([OLD_WARNING('claude-sonnet-4-5')]);
  });
});

describe('on an older model, even with options.strictTools', () => {
  it.each(['claude-sonnet-4-20250514', 'claude-3-5-haiku-20241022'])('%s: the tool goes without strict and unconverted, with a warning; nothing is refused', (model) => {
    const { body, warnings } = map(ask([getWeather, { name: 'tree', parameters: tree, strict: true }]), model);
    expect(body.tools).toEqual([
      { name: 'get_weather', description: 'Weather now', input_schema: weather },
      { name: 'tree', input_schema: tree },
    ]);
    expect(warnings).toEqual([OLD_WARNING(model)]);
    expect(create(model).refuses!(ask([{ name: 'tree', parameters: tree, strict: true }]))).toBeUndefined();
  });
});

describe('strict tools that cannot all go strict: none does, a warning saying why; never refused', () => {
  /** The request's tools as sent without `strict`, their schemas as given. */
  const plain = (tools: ToolDefinition[]) => tools.map(({ name, description, parameters }) => ({ name, ...(description === undefined ? {} : { description }), input_schema: parameters }));

  it.each([
    ['a recursive schema', [{ name: 'tree', parameters: tree, strict: true }], 'recursive schemas ($ref #/$defs/node) in the parameters of strict tool "tree"'],
    ['a free-form object (the other tool converts)', [getWeather, { name: 'meta', parameters: { type: 'object', properties: { any: { type: 'object' } } }, strict: true }], 'open objects: an object without properties must say additionalProperties: false (at #/properties/any) in the parameters of strict tool "meta"'],
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
    const { body, warnings } = map(ask(tools));
    expect(body.tools).toEqual(plain(tools));
    expect(warnings).toEqual([`Anthropic structured outputs do not support ${what}; "strict" was not sent`]);
    expect(create().refuses!(ask(tools))).toBeUndefined();
  });

  it('counts the output schema and the strict tools together: the format is still sent, the tools go without strict', () => {
    const tools: ToolDefinition[] = [{ name: 'a', parameters: shaped(12), strict: true }];
    const request = ask(tools, { responseFormat: { type: 'json_schema', name: 'r', schema: shaped(13) } });
    expect(create().refuses!(request)).toBeUndefined();
    const { body, warnings } = map(request);
    expect(body.tools).toEqual(plain(tools));
    expect(body.output_config).toMatchObject({ format: { type: 'json_schema' } });
    expect(warnings).toEqual([
      "Anthropic structured outputs do not support more than 24 optional properties (25 here, across the output format and 1 strict tool, counting every property not in its object's required); \"strict\" was not sent",
    ]);
    const unions = map(ask(tools.map((tool) => ({ ...tool, parameters: shaped(0, 8) })), { responseFormat: { type: 'json_schema', name: 'r', schema: shaped(0, 9) } }));
    expect(unions.warnings).toEqual(['Anthropic structured outputs do not support more than 16 properties with anyOf or a type array (17 here, across the output format and 1 strict tool); "strict" was not sent']);
  });

  it('refuses a response format whose schema alone is over a limit, naming response_format', () => {
    const request = ask([{ name: 'a', parameters: shaped(3), strict: true }], { responseFormat: { type: 'json_schema', name: 'r', schema: shaped(25) } });
    expect(create().refuses!(request)).toMatchObject({ param: 'response_format', reason: expect.stringContaining('more than 24 optional properties (25 here') });
  });

  it('sends 20 strict tools, and the limits reached exactly, strict; tools not marked strict are not counted', () => {
    expect(map(ask(Array.from({ length: 20 }, (_, i) => ({ ...getWeather, name: `t${i}` })))).body.tools).toHaveLength(20);
    expect((map(ask(Array.from({ length: 20 }, (_, i) => ({ ...getWeather, name: `t${i}` })))).body.tools as Record<string, unknown>[]).every((tool) => tool.strict === true)).toBe(true);
    const atLimits = ask([{ name: 'a', parameters: shaped(12, 8), strict: true }, { name: 'b', parameters: shaped(0, 8), strict: true }, { name: 'loose', parameters: shaped(30, 20) }], {
      responseFormat: { type: 'json_schema', name: 'r', schema: shaped(12) },
    });
    expect((map(atLimits).body.tools as Record<string, unknown>[]).map((tool) => tool.strict)).toEqual([true, true, undefined]);
  });

  it('calls Claude with such tools, sent without strict, the warning on the answer (chat and stream)', async () => {
    const request = ask([{ name: 'tree', parameters: tree, strict: true }]);
    const warning = 'Anthropic structured outputs do not support recursive schemas ($ref #/$defs/node) in the parameters of strict tool "tree"; "strict" was not sent';
    upstream.fake.enqueue({ type: 'ok', reply: { content: 'Planted.' } }, { type: 'ok', reply: { content: 'Planted.' } });
    const response = await create().chat(request, upstream.harness.context());
    expect(sentTools()).toEqual([{ name: 'tree', input_schema: tree }]);
    expect(response.warnings).toEqual([warning]);
    const parts = await collect(create().stream(request, upstream.harness.context()));
    expect(sentTools()).toEqual([{ name: 'tree', input_schema: tree }]);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', warnings: [warning] });
  });
});

describe('the fake, as the real API', () => {
  it("answers strict on a model without structured outputs with Anthropic's 400 (a model that cannot, so unsupported)", async () => {
    const error = await failure(create('claude-sonnet-4-20250514', { structuredOutputs: true, strictTools: true }).chat(ask([getWeather]), upstream.harness.context()));
    expect([error.kind, error.status]).toEqual(['unsupported', 400]);
    expect(error.message).toContain("'claude-sonnet-4-20250514' does not support strict tools.");
  });

  it('takes strict: false and tools without strict on any model', async () => {
    upstream.fake.enqueue({ type: 'ok', reply: { content: 'Sunny.' } }, { type: 'ok', reply: { content: 'Sunny.' } });
    const post = (tool: Record<string, unknown>) =>
      fetch(`${upstream.fake.baseUrl}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': 'k', 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'claude-3-5-haiku-20241022', max_tokens: 10, messages: [{ role: 'user', content: 'Hi' }], tools: [{ name: 'f', input_schema: { type: 'object' }, ...tool }] }),
      });
    expect((await post({ strict: false })).status).toBe(200);
    expect((await post({})).status).toBe(200);
  });
});
