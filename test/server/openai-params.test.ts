/**
 * OpenAI request fields beyond the basics, through the gateway to an OpenAI upstream: strict
 * structured output as the openai SDK's `parse()` sends it, penalties, parallel tool calls,
 * service tier and store reach it unchanged; reasoning effort and logit bias only where they
 * mean something; what cannot be honoured is refused (bad-input.test.ts), and unknown fields
 * are accepted and dropped.
 */
import { zodResponseFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { FakeUpstream } from '../fakes/server.js';
import { CALM, openaiProviders, resetAll, startGateway, startOpenAIFakes, type TestGateway } from './helpers.js';

let fakes: FakeUpstream[];
let gw: TestGateway;
const messages = [{ role: 'user' as const, content: 'Weather in Oslo?' }];
const sent = () => fakes[0]!.requests[0]!.json as Record<string, unknown>;
/** The log line of the latest request. */
const logLine = () => gw.logs().findLast((line) => line.msg === 'request');

beforeAll(async () => {
  fakes = await startOpenAIFakes(1);
  gw = await startGateway({ providers: openaiProviders(fakes), ...CALM });
});
afterAll(async () => {
  await gw.close();
  await fakes[0]!.close();
});
beforeEach(() => resetAll(gw, fakes));

describe('OpenAI fields through the gateway', () => {
  it("sends strict structured output unchanged, as the SDK's zodResponseFormat and parse() send it", async () => {
    const WeatherReport = z.object({ city: z.string(), celsius: z.number() });
    const format = zodResponseFormat(WeatherReport, 'weather_report', { description: 'The weather in one city' });
    const tools = [{ type: 'function' as const, function: { name: 'get_weather', description: 'Weather now', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false }, strict: true } }];
    fakes[0]!.enqueue({ type: 'ok', reply: { content: '{"city":"Oslo","celsius":3}' } });
    const completion = await gw.client().chat.completions.parse({ model: 'default', messages, response_format: format, tools });
    expect(completion.choices[0]!.message.parsed).toEqual({ city: 'Oslo', celsius: 3 });
    expect(sent().response_format).toEqual({
      type: 'json_schema',
      json_schema: { name: 'weather_report', description: 'The weather in one city', strict: true, schema: JSON.parse(JSON.stringify(format.json_schema.schema)) },
    });
    expect(sent().tools).toEqual(tools);
  });

  it('sends penalties, parallel tool calls, service tier and store; reasoning effort and logit bias only where they mean something', async () => {
    const fields = { frequency_penalty: 0.5, presence_penalty: -1, parallel_tool_calls: false, service_tier: 'flex', store: true };
    const dropped = { logit_bias: { '50256': -100, '1734': 5 }, reasoning_effort: 'high' };
    const response = await gw.post('/v1/chat/completions', { messages, tools: [{ type: 'function', function: { name: 'f' } }], ...fields, ...dropped });
    expect(response.status).toBe(200);
    expect(sent()).toMatchObject(fields);
    // model-a does not reason, and the fake's host is not OpenAI's: its token ids are not OpenAI's.
    expect(sent()).not.toHaveProperty('reasoning_effort');
    expect(sent()).not.toHaveProperty('logit_bias');
    expect(logLine()).toMatchObject({
      warnings: [
        `logit_bias holds OpenAI token ids, which may mean other tokens on 127.0.0.1; "logitBias" was not sent`,
        'OpenAI non-reasoning models (model-a) do not take reasoning_effort; "reasoningEffort" was not sent',
      ],
    });
  });

  it('never sends nor warns about penalties of 0 and an empty logit_bias, which clients send by default', async () => {
    const response = await gw.post('/v1/chat/completions', { messages, frequency_penalty: 0, presence_penalty: 0, logit_bias: {} });
    expect(response.status).toBe(200);
    expect(Object.keys(sent()).sort()).toEqual(['messages', 'model']);
    expect(logLine()).not.toHaveProperty('warnings');
  });

  it('does not send tool_choice without tools, which OpenAI refuses', async () => {
    const response = await gw.post('/v1/chat/completions', { messages, tool_choice: 'none' });
    expect(response.status).toBe(200);
    expect(sent()).not.toHaveProperty('tool_choice');
  });

  it('accepts logprobs: false, top_logprobs: null and stream_options: null, and drops unknown fields without a word', async () => {
    const response = await gw.post('/v1/chat/completions', { messages, logprobs: false, top_logprobs: null, stream_options: null, modalities: ['text'], verbosity: 'low' });
    expect(response.status).toBe(200);
    expect(Object.keys(sent()).sort()).toEqual(['messages', 'model']);
  });

  it('reads a body that starts with a UTF-8 byte order mark, as some Windows clients write it', async () => {
    const response = await gw.post('/v1/chat/completions', `\uFEFF${JSON.stringify({ messages })}`);
    expect(response.status).toBe(200);
    expect(sent().messages).toEqual([{ role: 'user', content: 'Weather in Oslo?' }]);
  });
});
