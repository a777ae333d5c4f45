/**
 * Anthropic structured outputs through the gateway, with the official openai SDK: `parse()` and
 * its streaming form get the parsed object from a Claude 4.5 upstream (the schema sent as
 * `output_config.format`); a route whose Anthropic model has no structured outputs sends a JSON
 * schema to the next provider, as it does a schema Anthropic cannot enforce. Tools marked
 * `strict` reach Claude without `strict` (a warning) unless the provider opts in with
 * `options.strictTools`; then they go as strict tools, or, when they cannot all be, without
 * `strict` and a warning: Claude answers either way, never refused because of its tools.
 */
import { zodResponseFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { anthropicWire } from '../fakes/anthropic.js';
import { openaiWire } from '../fakes/openai.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/server.js';
import { CALM, CANARY, startGateway, type TestGateway } from './helpers.js';

let claude: FakeUpstream;
let claudeOld: FakeUpstream;
let openai: FakeUpstream;
let gw: TestGateway;
const messages = [{ role: 'user' as const, content: 'Weather in Oslo?' }];
const WeatherReport = z.object({ city: z.string(), celsius: z.number().min(-90).max(60), sky: z.enum(['clear', 'cloudy', 'rain']) });
const format = zodResponseFormat(WeatherReport, 'weather_report');
const REPORT = { city: 'Oslo', celsius: 3, sky: 'cloudy' };
const sent = (fake: FakeUpstream) => fake.requests.at(-1)!.json as Record<string, unknown>;

beforeAll(async () => {
  [claude, claudeOld, openai] = await Promise.all([startFakeUpstream(anthropicWire), startFakeUpstream(anthropicWire), startFakeUpstream(openaiWire)]);
  gw = await startGateway({
    providers: [
      { name: 'claude', type: 'anthropic', baseUrl: claude.baseUrl, apiKey: CANARY, model: 'claude-sonnet-4-5-20250929', priority: 1 },
      { name: 'claude-old', type: 'anthropic', baseUrl: claudeOld.baseUrl, apiKey: CANARY, model: 'claude-3-5-haiku-20241022', priority: 2 },
      { name: 'openai', type: 'openai', baseUrl: openai.baseUrl, apiKey: CANARY, model: 'gpt-4o', priority: 3 },
      { name: 'claude-off', type: 'anthropic', baseUrl: claude.baseUrl, apiKey: CANARY, model: 'claude-sonnet-4-5', priority: 4, options: { structuredOutputs: false } },
      { name: 'claude-strict', type: 'anthropic', baseUrl: claude.baseUrl, apiKey: CANARY, model: 'claude-sonnet-4-5-20250929', priority: 0, options: { strictTools: true } },
    ],
    routes: {
      default: { providers: ['claude', 'openai'] },
      'old-first': { providers: ['claude-old', 'openai'] },
      'off-first': { providers: ['claude-off', 'openai'] },
      'claude-only': { providers: ['claude'] },
      'strict-first': { providers: ['claude-strict', 'openai'] },
    },
    ...CALM,
  });
});
afterAll(async () => {
  await gw.close();
  await Promise.all([claude, claudeOld, openai].map((fake) => fake.close()));
});
beforeEach(() => {
  for (const fake of [claude, claudeOld, openai]) fake.reset();
  for (const provider of gw.engine.providers()) gw.engine.operate(provider.name, 'reset');
});

describe('a Claude 4.5 upstream', () => {
  it("answers the openai SDK's parse() with the parsed object, the schema sent as output_config.format", async () => {
    claude.enqueue({ type: 'ok', reply: { content: JSON.stringify(REPORT), usage: { input: 40, output: 12 } } });
    const { data, response } = await gw.client().chat.completions.parse({ model: 'default', messages, response_format: format }).withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe('claude');
    expect(data.choices[0]!.message.parsed).toEqual(REPORT);
    expect(data.choices[0]!.finish_reason).toBe('stop');
    const body = sent(claude);
    expect(body).not.toHaveProperty('response_format');
    expect(claude.requests.at(-1)!.headers).not.toHaveProperty('anthropic-beta');
    expect(body.output_config).toEqual({
      format: {
        type: 'json_schema',
        schema: {
          type: 'object',
          properties: {
            city: { type: 'string' },
            celsius: { type: 'number', description: 'Not enforced by the output format, but required: minimum -90, maximum 60' },
            sky: { type: 'string', enum: ['clear', 'cloudy', 'rain'] },
          },
          required: ['city', 'celsius', 'sky'],
          additionalProperties: false,
        },
      },
    });
  });

  it("streams: the SDK's streaming parse() ends with the parsed object", async () => {
    const text = JSON.stringify(REPORT);
    claude.enqueue({ type: 'ok', reply: { content: text, chunks: [text.slice(0, 9), text.slice(9, 25), text.slice(25)] } });
    const stream = gw.client().chat.completions.stream({ model: 'default', messages, response_format: format, stream_options: { include_usage: true } });
    let streamed = '';
    stream.on('content.delta', ({ delta }) => {
      streamed += delta;
    });
    const completion = await stream.finalChatCompletion();
    expect(streamed).toBe(text);
    expect(completion.choices[0]!.message.parsed).toEqual(REPORT);
    expect(sent(claude)).toMatchObject({ stream: true, output_config: { format: { type: 'json_schema' } } });
    expect(openai.requests).toHaveLength(0);
  });

  it('sends a schema it cannot enforce (recursive) to the next provider of the route', async () => {
    const tree = { type: 'object', properties: { root: { $ref: '#/$defs/node' } }, required: ['root'], additionalProperties: false, $defs: { node: { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/$defs/node' } } }, required: ['kids'], additionalProperties: false } } };
    openai.enqueue({ type: 'ok', reply: { content: '{"root":{"kids":[]}}' } });
    const { response } = await gw.client().chat.completions.create({ model: 'default', messages, response_format: { type: 'json_schema', json_schema: { name: 'tree', schema: tree, strict: true } } }).withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe('openai');
    expect(claude.requests).toHaveLength(0);
  });
});

describe('a route [anthropic with an older model, openai]', () => {
  it.each([false, true])('still sends json_schema to openai, never to the older Claude (stream: %s)', async (stream) => {
    openai.enqueue({ type: 'ok', reply: { content: JSON.stringify(REPORT) } });
    const body = { model: 'old-first', stream, messages, response_format: format };
    const response = await gw.post('/v1/chat/completions', body);
    await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-switchyard-provider')).toBe('openai');
    expect(claudeOld.requests).toHaveLength(0);
    expect(sent(openai)).toMatchObject({ response_format: { type: 'json_schema', json_schema: { name: 'weather_report' } } });
  });

  it('so does a Claude 4.5 provider configured with options.structuredOutputs: false', async () => {
    openai.enqueue({ type: 'ok', reply: { content: JSON.stringify(REPORT) } });
    const { data, response } = await gw.client().chat.completions.parse({ model: 'off-first', messages, response_format: format }).withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe('openai');
    expect(data.choices[0]!.message.parsed).toEqual(REPORT);
    expect(claude.requests).toHaveLength(0);
  });

  it('answers 400 naming response_format when the older Claude is the only provider', async () => {
    const response = await gw.post('/v1/chat/completions', { model: 'claude-old', messages, response_format: format });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: { param: string; message: string } };
    expect(error.param).toBe('response_format');
    expect(error.message).toContain('Anthropic has no JSON output mode for claude-3-5-haiku-20241022');
    expect(claudeOld.requests).toHaveLength(0);
  });
});

describe('a schema Claude says is too complex', () => {
  const tooComplex = { type: 'status' as const, status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: 'The compiled grammar is too large, which would cause performance issues. Simplify your tool schemas or reduce the number of strict tools.' } } };

  it('goes to the next provider of the route, and Claude is not held to blame', async () => {
    claude.enqueue(tooComplex);
    openai.enqueue({ type: 'ok', reply: { content: JSON.stringify(REPORT) } });
    const { data, response } = await gw.client().chat.completions.parse({ model: 'default', messages, response_format: format }).withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe('openai');
    expect(data.choices[0]!.message.parsed).toEqual(REPORT);
    expect(gw.logs().at(-1)).toMatchObject({ upstream: [{ provider: 'claude', kind: 'unsupported', status: 400 }, { provider: 'openai', kind: 'ok' }] });
    expect(gw.engine.providers().find((p) => p.name === 'claude')).toMatchObject({ state: 'healthy', failures: 0 });
  });

  it('is a 400 naming the reason when no other provider can take it, tried once', async () => {
    claude.enqueue(tooComplex, tooComplex);
    const response = await gw.post('/v1/chat/completions', { model: 'claude-only', messages, response_format: format });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('upstream_bad_request');
    expect(body.error.message).toContain('compiled grammar is too large');
    expect(claude.requests).toHaveLength(1);
  });
});

describe('strict tools (function.strict)', () => {
  const parameters = { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer', minimum: 1, maximum: 7 } }, required: ['city', 'days'], additionalProperties: false };
  const tools = [{ type: 'function' as const, function: { name: 'get_forecast', description: 'The forecast', parameters, strict: true } }];
  const call = { id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_forecast', arguments: '{"city":"Oslo","days":3}' };
  const tree = { type: 'object', properties: { root: { $ref: '#/$defs/node' } }, required: ['root'], additionalProperties: false, $defs: { node: { type: 'object', properties: { kids: { type: 'array', items: { $ref: '#/$defs/node' } } }, required: ['kids'], additionalProperties: false } } };
  const tooMany = Array.from({ length: 21 }, (_, i) => ({ type: 'function' as const, function: { name: i === 0 ? 'get_forecast' : `t${i}`, parameters, strict: true } }));
  const requestLine = () => gw.logs().filter((entry) => entry.msg === 'request').at(-1)!;

  describe('without options.strictTools (the default)', () => {
    it('reach Claude 4.5 without strict, unconverted, with a warning, even those Anthropic could not enforce; none goes elsewhere', async () => {
      claude.enqueue({ type: 'ok', reply: { toolCalls: [call] } }, { type: 'ok', reply: { toolCalls: [call] } });
      const { data, response } = await gw.client().chat.completions.create({ model: 'default', messages, tools }).withResponse();
      expect(response.headers.get('x-switchyard-provider')).toBe('claude');
      expect(data.choices[0]!.message.tool_calls).toEqual([{ id: call.id, type: 'function', function: { name: 'get_forecast', arguments: call.arguments } }]);
      expect(sent(claude).tools).toEqual([{ name: 'get_forecast', description: 'The forecast', input_schema: parameters }]);
      expect(requestLine()).toMatchObject({ warnings: [expect.stringContaining('options.strictTools')] });
      const many = await gw.post('/v1/chat/completions', { model: 'claude-only', messages, tools: [...tooMany, { type: 'function', function: { name: 'plant', parameters: tree, strict: true } }] });
      expect(many.status).toBe(200);
      expect((sent(claude).tools as Record<string, unknown>[]).some((tool) => 'strict' in tool)).toBe(false);
      expect(openai.requests).toHaveLength(0);
    });
  });

  describe('with options.strictTools', () => {
    it("reach a Claude 4.5 upstream as strict tools, and the SDK's create() gets the tool call", async () => {
      claude.enqueue({ type: 'ok', reply: { toolCalls: [call] } });
      const { data, response } = await gw.client().chat.completions.create({ model: 'strict-first', messages, tools }).withResponse();
      expect(response.headers.get('x-switchyard-provider')).toBe('claude-strict');
      expect(data.choices[0]!.finish_reason).toBe('tool_calls');
      expect(data.choices[0]!.message.tool_calls).toEqual([{ id: call.id, type: 'function', function: { name: 'get_forecast', arguments: call.arguments } }]);
      expect(sent(claude).tools).toEqual([
        {
          name: 'get_forecast',
          description: 'The forecast',
          strict: true,
          input_schema: { ...parameters, properties: { city: { type: 'string' }, days: { type: 'integer', description: 'Not enforced by the tool schema, but required: minimum 1, maximum 7' } } },
        },
      ]);
      expect(claude.requests.at(-1)!.headers).not.toHaveProperty('anthropic-beta');
    });

    it('reach Claude without strict, a warning in the log line, when Anthropic could not enforce their parameters (a recursive schema)', async () => {
      claude.enqueue({ type: 'ok', reply: { toolCalls: [{ id: 'toolu_02', name: 'plant', arguments: '{"root":{"kids":[]}}' }] } });
      const { data, response } = await gw.client().chat.completions.create({ model: 'strict-first', messages, tools: [{ type: 'function', function: { name: 'plant', parameters: tree, strict: true } }] }).withResponse();
      expect(response.headers.get('x-switchyard-provider')).toBe('claude-strict');
      expect(data.choices[0]!.message.tool_calls![0]).toMatchObject({ function: { name: 'plant' } });
      expect(sent(claude).tools).toEqual([{ name: 'plant', input_schema: tree }]);
      expect(requestLine()).toMatchObject({ warnings: [expect.stringContaining('recursive schemas ($ref #/$defs/node) in the parameters of strict tool "plant"; "strict" was not sent')] });
      expect(openai.requests).toHaveLength(0);
    });

    it('reach Claude without strict over the limits (21 strict tools), streamed too, a warning in the log line', async () => {
      claude.enqueue({ type: 'ok', reply: { toolCalls: [call] } });
      const response = await gw.post('/v1/chat/completions', { model: 'strict-first', stream: true, messages, tools: tooMany });
      expect(await response.text()).toContain('get_forecast');
      expect(response.status).toBe(200);
      expect(response.headers.get('x-switchyard-provider')).toBe('claude-strict');
      expect((sent(claude).tools as Record<string, unknown>[]).some((tool) => 'strict' in tool)).toBe(false);
      expect(requestLine()).toMatchObject({ warnings: [expect.stringContaining('more than 20 strict tools in a request (21 here); "strict" was not sent')] });
      expect(openai.requests).toHaveLength(0);
    });
  });

  it('reach an older Claude without strict (it does not take it), unconverted', async () => {
    claudeOld.enqueue({ type: 'ok', reply: { toolCalls: [call] } });
    const data = await gw.client().chat.completions.create({ model: 'old-first', messages, tools });
    expect(data.choices[0]!.message.tool_calls![0]).toMatchObject({ function: { name: 'get_forecast', arguments: call.arguments } });
    expect(sent(claudeOld).tools).toEqual([{ name: 'get_forecast', description: 'The forecast', input_schema: parameters }]);
  });
});
