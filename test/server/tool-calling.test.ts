/**
 * Tool calling end to end: the official openai SDK against the gateway in front of a fake
 * upstream of each provider type. Tools and `tool_choice` reach each wire in its own form, tool
 * calls come back as OpenAI `tool_calls` (streamed and not), the follow-up turn (assistant
 * `tool_calls` plus `tool` results) is translated, a call cut mid-arguments is never complete, and
 * Gemini 3's thought signatures survive the round trip through `extra_content`.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ToolCall } from '../../src/core/types.js';
import { createGeminiWire, geminiWire, stepSignature } from '../fakes/gemini.js';
import { openaiWire } from '../fakes/openai.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/server.js';
import { CALM, CANARY, PROVIDER_TYPES, sseEvents, startGateway, startTypedGateway, type ProviderType, type TestGateway, type TypedGateway } from './helpers.js';

// A Gemini model whose name tells its version: 2.x needs no thought signatures (see "Gemini 3 thought signatures").
let typed: TypedGateway;
let gw: TestGateway;
let fakes: TypedGateway['fakes'];
let client: OpenAI;

beforeAll(async () => {
  typed = await startTypedGateway((type) => (type === 'gemini' ? { model: 'gemini-2.5-flash' } : {}));
  ({ gw, fakes } = typed);
  client = gw.client();
});
afterAll(() => typed.close());
beforeEach(() => {
  typed.reset();
});

const weatherSchema = { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] };
const tools: OpenAI.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: weatherSchema } },
  { type: 'function', function: { name: 'get_time', description: 'Local time' } },
];
const user = { role: 'user' as const, content: 'Weather and time in Paris and Rome?' };
const paris: ToolCall = { id: 'call_paris', name: 'get_weather', arguments: '{"city":"Paris"}' };
const rome: ToolCall = { id: 'call_rome', name: 'get_weather', arguments: '{"city":"Rome","unit":"celsius"}' };
const time: ToolCall = { id: 'call_time', name: 'get_time', arguments: '{}' };
const sent = (type: ProviderType) => fakes.get(type)!.requests.at(-1)!.json as Record<string, unknown>;
const asOpenAI = (call: ToolCall) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } });

describe.each(PROVIDER_TYPES.map(([type]) => type))('in front of a %s upstream', (type) => {
  it.each([
    ['one call', [paris], ''],
    ['several calls, one without arguments', [paris, rome, time], ''],
    ['text before the calls', [paris, time], 'Let me check.'],
  ] as const)('answers %s as message.tool_calls with finish_reason tool_calls', async (_name, calls, content) => {
    fakes.get(type)!.enqueue({ type: 'ok', reply: { content, toolCalls: [...calls], usage: { input: 30, output: 12 } } });
    const completion = await client.chat.completions.create({ model: type, messages: [user], tools });
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBe(content === '' ? null : content);
    expect(choice.message.tool_calls).toEqual(calls.map(asOpenAI));
    expect(completion.usage).toMatchObject({ prompt_tokens: 30, completion_tokens: 12, total_tokens: 42 });
  });

  it.each([
    ['one call', [paris], ''],
    ['several calls, one without arguments', [paris, rome, time], ''],
    ['text before the calls', [paris, time], 'Let me check.'],
  ] as const)('streams %s: id, type and name in the first delta of each index, then argument fragments', async (_name, calls, content) => {
    fakes.get(type)!.enqueue({ type: 'ok', reply: { content, toolCalls: [...calls], usage: { input: 30, output: 12 } } });
    const response = await gw.post('/v1/chat/completions', { model: type, messages: [user], tools, stream: true, stream_options: { include_usage: true } });
    const events = await sseEvents(response);
    expect(events.at(-1)).toBe('[DONE]');
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event) as OpenAI.ChatCompletionChunk);
    const seen = new Set<number>();
    for (const chunk of chunks) {
      for (const delta of chunk.choices[0]?.delta.tool_calls ?? []) {
        if (!seen.has(delta.index)) {
          expect(delta).toMatchObject({ index: delta.index, id: calls[delta.index]!.id, type: 'function', function: { name: calls[delta.index]!.name } });
          seen.add(delta.index);
        } else {
          expect(delta).not.toHaveProperty('id');
          expect(delta.function).not.toHaveProperty('name');
        }
      }
    }
    expect([...seen]).toEqual(calls.map((_, i) => i));
    expect(chunks.flatMap((chunk) => chunk.choices.map((c) => c.finish_reason)).filter(Boolean)).toEqual(['tool_calls']);
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: 30, completion_tokens: 12 });

    // The SDK's helper assembles them into the same message as a complete answer.
    fakes.get(type)!.enqueue({ type: 'ok', reply: { content, toolCalls: [...calls] } });
    const final = await client.chat.completions.stream({ model: type, messages: [user], tools }).finalChatCompletion();
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(final.choices[0]!.message.content).toBe(content === '' ? null : content);
    expect(final.choices[0]!.message.tool_calls).toEqual(calls.map(asOpenAI));
  });

  it('ends a stream cut in the middle of a call\'s arguments with an error, never a complete call', async () => {
    const long: ToolCall = { id: 'call_long', name: 'get_weather', arguments: JSON.stringify({ city: 'Paris', note: 'x'.repeat(200) }) };
    fakes.get(type)!.enqueue({ type: 'reset-mid-body', reply: { content: '', toolCalls: [long] } });
    const response = await gw.post('/v1/chat/completions', { model: type, messages: [user], tools, stream: true });
    const events = await sseEvents(response);
    if (response.status !== 200) return; // failed before its first part: an ordinary error (failover then)
    expect(events).not.toContain('[DONE]');
    expect(events.at(-1)).toMatch(/^\{"error"/);
    const chunks = events.slice(0, -1).map((event) => JSON.parse(event) as OpenAI.ChatCompletionChunk);
    expect(chunks.flatMap((chunk) => chunk.choices.map((c) => c.finish_reason)).filter(Boolean)).toEqual([]);
  });
});

describe('tools and tool_choice on each wire', () => {
  const ask = (model: ProviderType, extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming>) =>
    client.chat.completions.create({ model, messages: [user], tools, ...extra });

  it.each([
    ['auto', { type: 'auto' }],
    ['none', { type: 'none' }],
    ['required', { type: 'any' }],
    [{ type: 'function', function: { name: 'get_weather' } }, { type: 'tool', name: 'get_weather' }],
  ] as const)('anthropic: tool_choice %j', async (choice, expected) => {
    await ask('anthropic', { tool_choice: choice as OpenAI.ChatCompletionToolChoiceOption });
    expect(sent('anthropic').tools).toEqual([
      { name: 'get_weather', description: 'Weather now', input_schema: weatherSchema },
      { name: 'get_time', description: 'Local time', input_schema: { type: 'object', properties: {} } },
    ]);
    expect(sent('anthropic').tool_choice).toEqual(expected);
    await ask('anthropic', { tool_choice: choice as OpenAI.ChatCompletionToolChoiceOption, parallel_tool_calls: false });
    expect(sent('anthropic').tool_choice).toEqual(choice === 'none' ? expected : { ...expected, disable_parallel_tool_use: true });
  });

  it('anthropic: parallel_tool_calls false alone', async () => {
    await ask('anthropic', { parallel_tool_calls: false });
    expect(sent('anthropic').tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
  });

  it.each([
    ['auto', { mode: 'AUTO' }],
    ['none', { mode: 'NONE' }],
    ['required', { mode: 'ANY' }],
    [{ type: 'function', function: { name: 'get_weather' } }, { mode: 'ANY', allowedFunctionNames: ['get_weather'] }],
  ] as const)('gemini: tool_choice %j', async (choice, expected) => {
    await ask('gemini', { tool_choice: choice as OpenAI.ChatCompletionToolChoiceOption });
    expect(sent('gemini').tools).toEqual([
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Weather now', parametersJsonSchema: weatherSchema },
          { name: 'get_time', description: 'Local time' },
        ],
      },
    ]);
    expect(sent('gemini').toolConfig).toEqual({ functionCallingConfig: expected });
  });

  it.each(['auto', 'required', 'none'] as const)('ollama: tool_choice %s', async (choice) => {
    await ask('ollama', { tool_choice: choice });
    if (choice === 'none') expect(sent('ollama')).not.toHaveProperty('tools');
    else {
      expect(sent('ollama').tools).toEqual([
        { type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: weatherSchema } },
        { type: 'function', function: { name: 'get_time', description: 'Local time', parameters: { type: 'object', properties: {} } } },
      ]);
    }
  });

  it.each(['auto', 'none', 'required', { type: 'function', function: { name: 'get_weather' } }] as const)('openai: tool_choice %j as sent', async (choice) => {
    await ask('openai', { tool_choice: choice as OpenAI.ChatCompletionToolChoiceOption, parallel_tool_calls: false });
    expect(sent('openai')).toMatchObject({ tool_choice: choice, parallel_tool_calls: false });
  });
});

describe('the follow-up turn', () => {
  const history: OpenAI.ChatCompletionMessageParam[] = [
    { role: 'system', content: 'Be brief.' },
    user,
    { role: 'assistant', content: 'Let me check.', tool_calls: [paris, rome, time].map((call) => asOpenAI(call) as OpenAI.ChatCompletionMessageToolCall) },
    { role: 'tool', tool_call_id: 'call_paris', content: '{"temp":21}' },
    { role: 'tool', tool_call_id: 'call_rome', content: 'sunny, 25 C' },
    { role: 'tool', tool_call_id: 'call_time', content: '14:05' },
  ];
  const follow = (model: ProviderType) => client.chat.completions.create({ model, messages: history, tools });

  it('anthropic: tool_use blocks in the assistant turn, the results as tool_result blocks of one user turn, in order', async () => {
    await follow('anthropic');
    expect(sent('anthropic').system).toBe('Be brief.');
    expect(sent('anthropic').messages).toEqual([
      { role: 'user', content: user.content },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me check.' },
          { type: 'tool_use', id: 'call_paris', name: 'get_weather', input: { city: 'Paris' } },
          { type: 'tool_use', id: 'call_rome', name: 'get_weather', input: { city: 'Rome', unit: 'celsius' } },
          { type: 'tool_use', id: 'call_time', name: 'get_time', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'call_paris', content: '{"temp":21}' },
          { type: 'tool_result', tool_use_id: 'call_rome', content: 'sunny, 25 C' },
          { type: 'tool_result', tool_use_id: 'call_time', content: '14:05' },
        ],
      },
    ]);
  });

  it('gemini: functionCall parts, then functionResponse parts named after the calls they answer, in one user turn', async () => {
    await follow('gemini');
    expect(sent('gemini').contents).toEqual([
      { role: 'user', parts: [{ text: user.content }] },
      {
        role: 'model',
        parts: [
          { text: 'Let me check.' },
          { functionCall: { name: 'get_weather', args: { city: 'Paris' } } },
          { functionCall: { name: 'get_weather', args: { city: 'Rome', unit: 'celsius' } } },
          { functionCall: { name: 'get_time', args: {} } },
        ],
      },
      {
        role: 'user',
        parts: [
          { functionResponse: { name: 'get_weather', response: { temp: 21 } } },
          { functionResponse: { name: 'get_weather', response: { output: 'sunny, 25 C' } } },
          { functionResponse: { name: 'get_time', response: { output: '14:05' } } },
        ],
      },
    ]);
  });

  it('ollama: tool_calls with object arguments, then tool messages naming their tool', async () => {
    await follow('ollama');
    expect(sent('ollama').messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: user.content },
      {
        role: 'assistant',
        content: 'Let me check.',
        tool_calls: [
          { id: 'call_paris', function: { name: 'get_weather', arguments: { city: 'Paris' } } },
          { id: 'call_rome', function: { name: 'get_weather', arguments: { city: 'Rome', unit: 'celsius' } } },
          { id: 'call_time', function: { name: 'get_time', arguments: {} } },
        ],
      },
      { role: 'tool', content: '{"temp":21}', tool_name: 'get_weather', tool_call_id: 'call_paris' },
      { role: 'tool', content: 'sunny, 25 C', tool_name: 'get_weather', tool_call_id: 'call_rome' },
      { role: 'tool', content: '14:05', tool_name: 'get_time', tool_call_id: 'call_time' },
    ]);
  });

  it('openai: as sent', async () => {
    await follow('openai');
    expect(sent('openai').messages).toEqual(history.map((m) => ({ ...m })));
  });
});

describe('Gemini function calls without ids (Gemini 2.x)', () => {
  let legacy: FakeUpstream;
  let gemini: TestGateway;
  beforeAll(async () => {
    legacy = await startFakeUpstream(createGeminiWire({ callIds: false }));
    gemini = await startGateway({ providers: [{ name: 'gemini', type: 'gemini', baseUrl: legacy.baseUrl, apiKey: CANARY, model: 'gemini-2.5-flash' }], ...CALM });
  });
  afterAll(async () => {
    await gemini.close();
    await legacy.close();
  });

  it.each([false, true])('get a distinct id each, which the follow-up turn pairs with its results by name (stream: %s)', async (stream) => {
    legacy.enqueue({ type: 'ok', reply: { content: '', toolCalls: [paris, rome, time] } });
    const ask = { model: 'gemini', messages: [user], tools };
    const completion = stream ? await gemini.client().chat.completions.stream(ask).finalChatCompletion() : await gemini.client().chat.completions.create(ask);
    const calls = completion.choices[0]!.message.tool_calls as OpenAI.ChatCompletionMessageFunctionToolCall[];
    expect(calls.map((call) => [call.function.name, call.function.arguments])).toEqual([paris, rome, time].map((call) => [call.name, call.arguments]));
    expect(new Set(calls.map((call) => call.id)).size).toBe(3);

    const results = calls.map((call, i) => ({ role: 'tool' as const, tool_call_id: call.id, content: `result ${i}` }));
    await gemini.client().chat.completions.create({ model: 'gemini', tools, messages: [user, completion.choices[0]!.message as OpenAI.ChatCompletionMessageParam, ...results] });
    const contents = (legacy.requests.at(-1)!.json as { contents: { parts: Record<string, { name: string }>[] }[] }).contents;
    expect(contents.at(-1)!.parts.map((part) => part.functionResponse!.name)).toEqual(['get_weather', 'get_weather', 'get_time']);
  });
});

describe('a conversation with tool calls that moves to another provider type', () => {
  // Ids as OpenAI-compatible servers write them (Moonshot's Kimi: `functions.<name>:<n>`).
  const kimi = [{ ...paris, id: 'functions.get_weather:0' }, { ...time, id: 'functions.get_time:1' }];
  const history: OpenAI.ChatCompletionMessageParam[] = [
    user,
    { role: 'assistant', content: null, tool_calls: kimi.map((call) => asOpenAI(call) as OpenAI.ChatCompletionMessageToolCall) },
    { role: 'tool', tool_call_id: kimi[0]!.id, content: '{"temp":21}' },
    { role: 'tool', tool_call_id: kimi[1]!.id, content: '14:05' },
  ];

  it.each(['openai', 'anthropic', 'gemini', 'ollama'] as const)('keeps working on %s, whatever the earlier ids look like', async (type) => {
    fakes.get(type)!.enqueue({ type: 'ok', reply: { content: 'Sunny and 21 C at 14:05.' } });
    const completion = await client.chat.completions.create({ model: type, messages: history, tools });
    expect(completion.choices[0]!.message.content).toBe('Sunny and 21 C at 14:05.');
  });

  it('anthropic: each result still answers its own call', async () => {
    await client.chat.completions.create({ model: 'anthropic', messages: history, tools });
    const [, assistant, results] = sent('anthropic').messages as { content: { id?: string; tool_use_id?: string }[] }[];
    const ids = assistant!.content.map((block) => block.id);
    expect(new Set(ids).size).toBe(2);
    expect(results!.content.map((block) => block.tool_use_id)).toEqual(ids);
  });

  it('fails over from OpenAI to Anthropic in the middle of an agent loop', async () => {
    fakes.get('openai')!.enqueue({ type: 'error', kind: 'server' }, { type: 'error', kind: 'server' }, { type: 'error', kind: 'server' });
    fakes.get('anthropic')!.enqueue({ type: 'ok', reply: { content: '', toolCalls: [rome] } });
    const { data, response } = await client.chat.completions.create({ model: 'default', messages: history, tools, stream: false }).withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe('anthropic');
    expect(data.choices[0]!.message.tool_calls).toEqual([asOpenAI(rome)]);
  });
});

describe('a model without tools', () => {
  it('sends the request on to the next provider of the route, and is not held to blame', async () => {
    // An openai-type provider in front of Ollama's OpenAI API, its model without tool support.
    const failuresBefore = gw.engine.providers().find((p) => p.name === 'openai')!.failures;
    fakes.get('openai')!.enqueue({ type: 'status', status: 400, body: { error: { message: 'stablelm2:latest does not support tools', type: 'api_error', param: null, code: null } } });
    fakes.get('anthropic')!.enqueue({ type: 'ok', reply: { content: '', toolCalls: [paris] } });
    const { data, response } = await client.chat.completions.create({ model: 'default', messages: [user], tools }).withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe('anthropic');
    expect(data.choices[0]!.message.tool_calls).toEqual([asOpenAI(paris)]);
    expect(fakes.get('openai')!.requests).toHaveLength(1);
    expect(gw.engine.providers().find((p) => p.name === 'openai')).toMatchObject({ state: 'healthy', failures: failuresBefore });
  });
});

describe('Gemini 3 thought signatures', () => {
  let gemini3: FakeUpstream;
  let gemini25: FakeUpstream;
  let gpt: FakeUpstream;
  let gw3: TestGateway;
  beforeAll(async () => {
    [gemini3, gemini25, gpt] = await Promise.all([startFakeUpstream(createGeminiWire({ gemini3: true })), startFakeUpstream(geminiWire), startFakeUpstream(openaiWire)]);
    gw3 = await startGateway({
      providers: [
        { name: 'gpt', type: 'openai', baseUrl: gpt.baseUrl, apiKey: CANARY, model: 'gpt-4o' },
        { name: 'gemini3', type: 'gemini', baseUrl: gemini3.baseUrl, apiKey: CANARY, model: 'gemini-3-pro-preview' },
        { name: 'gemini25', type: 'gemini', baseUrl: gemini25.baseUrl, apiKey: CANARY, model: 'gemini-2.5-flash' },
      ],
      routes: { agent: { providers: ['gpt', 'gemini3'] } },
      ...CALM,
    });
  });
  afterAll(async () => {
    await gw3.close();
    await Promise.all([gemini3, gemini25, gpt].map((fake) => fake.close()));
  });
  beforeEach(() => {
    for (const fake of [gemini3, gemini25, gpt]) fake.reset();
    for (const provider of gw3.engine.providers()) gw3.engine.operate(provider.name, 'reset');
  });

  type Signed = { extra_content?: { google?: { thought_signature?: string } } };
  const signatureOf = (call: unknown) => (call as Signed).extra_content?.google?.thought_signature;
  /** The `parts` of the model turns of the last request `fake` received. */
  const modelParts = (fake: FakeUpstream) =>
    (fake.requests.at(-1)!.json as { contents: { role: string; parts: Record<string, unknown>[] }[] }).contents.filter((c) => c.role === 'model').flatMap((c) => c.parts);
  const results = (calls: { id: string }[]) => calls.map((call, i) => ({ role: 'tool' as const, tool_call_id: call.id, content: `result ${i}` }));
  /** The log line of the request `response` answered, once written. */
  const logLine = async (response: Response) => {
    const id = response.headers.get('x-switchyard-request-id');
    await expect.poll(() => gw3.logs().some((line) => line.request_id === id)).toBe(true);
    return gw3.logs().find((line) => line.request_id === id)!;
  };
  const fromGpt: OpenAI.ChatCompletionMessageParam[] = [user, { role: 'assistant', content: null, tool_calls: [paris, time].map((call) => asOpenAI(call) as OpenAI.ChatCompletionMessageToolCall) }, ...results([paris, time])];

  it.each([false, true])('reach the second turn of a tool loop, the signature back on the first call of its step (stream: %s)', async (stream) => {
    gemini3.enqueue({ type: 'ok', reply: { content: '', toolCalls: [paris, rome, time] } }, { type: 'ok', reply: { content: 'Sunny everywhere.' } });
    const ask = { model: 'gemini3', messages: [user], tools };
    const first = stream ? await gw3.client().chat.completions.stream(ask).finalChatCompletion() : await gw3.client().chat.completions.create(ask);
    const message = first.choices[0]!.message;
    expect(message.tool_calls!.map(signatureOf)).toEqual([stepSignature(paris), undefined, undefined]);

    const { data: second, response } = await gw3
      .client()
      .chat.completions.create({ model: 'gemini3', tools, messages: [user, message as OpenAI.ChatCompletionMessageParam, ...results(message.tool_calls!)] })
      .withResponse();
    expect(second.choices[0]!.message.content).toBe('Sunny everywhere.');
    expect(modelParts(gemini3)).toEqual([
      { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: stepSignature(paris) },
      { functionCall: { name: 'get_weather', args: { city: 'Rome', unit: 'celsius' } } },
      { functionCall: { name: 'get_time', args: {} } },
    ]);
    // Real signatures need no warning, and opaque tokens stay out of the log.
    expect(await logLine(response)).not.toHaveProperty('warnings');
    expect(gw3.lines.join('\n')).not.toContain(stepSignature(paris));
  });

  it('streams the signature on the delta that first names the call', async () => {
    gemini3.enqueue({ type: 'ok', reply: { content: '', toolCalls: [paris, time] } });
    const events = await sseEvents(await gw3.post('/v1/chat/completions', { model: 'gemini3', messages: [user], tools, stream: true }));
    const deltas = events.slice(0, -1).flatMap((event) => (JSON.parse(event) as OpenAI.ChatCompletionChunk).choices[0]?.delta.tool_calls ?? []);
    expect(deltas.filter((delta) => delta.id !== undefined).map(signatureOf)).toEqual([stepSignature(paris), undefined]);
  });

  it('carry a history without signatures (from another provider, after a failover) with the sentinel and a warning', async () => {
    gpt.enqueue({ type: 'error', kind: 'server' }, { type: 'error', kind: 'server' }, { type: 'error', kind: 'server' });
    gemini3.enqueue({ type: 'ok', reply: { content: 'Sunny and 21 C at 14:05.' } });
    const { data, response } = await gw3.client().chat.completions.create({ model: 'agent', messages: fromGpt, tools }).withResponse();
    expect(response.headers.get('x-switchyard-provider')).toBe('gemini3');
    expect(data.choices[0]!.message.content).toBe('Sunny and 21 C at 14:05.');
    expect(modelParts(gemini3).map((part) => part.thoughtSignature)).toEqual(['skip_thought_signature_validator', 'skip_thought_signature_validator']);
    const [warning] = (await logLine(response)).warnings as string[];
    expect(warning).toMatch(/skip_thought_signature_validator/);
    expect(warning).toContain('call_paris');
    expect(warning).toContain('call_time');
  });

  it('send a Gemini 2.5 model its real signatures back, but no sentinel and no warning', async () => {
    const signed = { ...asOpenAI(rome), extra_content: { google: { thought_signature: stepSignature(rome) } } } as OpenAI.ChatCompletionMessageToolCall;
    const later: OpenAI.ChatCompletionMessageParam = { role: 'assistant', content: null, tool_calls: [signed] };
    const { response } = await gw3.client().chat.completions.create({ model: 'gemini25', messages: [...fromGpt, later, ...results([rome])], tools }).withResponse();
    expect(modelParts(gemini25).map((part) => part.thoughtSignature)).toEqual([undefined, undefined, stepSignature(rome)]);
    expect(await logLine(response)).not.toHaveProperty('warnings');
  });

  it('never send a signature to another provider type, and ignore an extra_content of another shape', async () => {
    const signed = { ...asOpenAI(paris), extra_content: { google: { thought_signature: stepSignature(paris) } } } as OpenAI.ChatCompletionMessageToolCall;
    const odd = { ...asOpenAI(time), extra_content: 'not an object' } as unknown as OpenAI.ChatCompletionMessageToolCall;
    await gw3.client().chat.completions.create({ model: 'gpt', tools, messages: [user, { role: 'assistant', content: null, tool_calls: [signed, odd] }, ...results([paris, time])] });
    expect(gpt.requests.at(-1)!.body).not.toContain(stepSignature(paris));
    expect(gpt.requests.at(-1)!.body).not.toContain('extra_content');
  });
});
