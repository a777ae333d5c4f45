/**
 * Anthropic-specific behaviour on the wire: the exact request sent (system hoisting, role
 * alternation, max_tokens, tools and tool results, images), the warnings for what cannot be
 * carried, stream-event details, error classification specifics and token estimation.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ProviderAdapter } from '../../src/core/adapter.js';
import type { ChatMessage, ChatRequest, StreamPart } from '../../src/core/types.js';
import { createAnthropicAdapter, DEFAULT_MAX_TOKENS, estimateTokens, toAnthropicRequest } from '../../src/providers/anthropic/index.js';
import { createAdapter } from '../../src/providers/registry.js';
import { anthropicWire } from '../fakes/anthropic.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/server.js';
import { collect, createHarness, failure, toolCallsOf } from './helpers.js';

const KEY = 'sk-ant-api03-testkey0123456789';
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
let fake: FakeUpstream;
let harness: ReturnType<typeof createHarness>;
let adapter: ProviderAdapter;
const create = (options: Record<string, unknown> = {}) =>
  createAnthropicAdapter(
    { name: 'claude', type: 'anthropic', baseUrl: fake.baseUrl, apiKey: KEY, model: 'claude-sonnet-4-5', headers: { 'x-extra': 'yes' }, options },
    harness.environment,
  );
const map = (request: ChatRequest, stream = false) => toAnthropicRequest(request, { model: 'claude-sonnet-4-5', stream });
const user = (content: string) => ({ role: 'user' as const, content });
const sse = (...events: Record<string, unknown>[]) => ({
  type: 'status' as const,
  status: 200,
  body: events.map((data) => `event: ${String(data.type)}\ndata: ${JSON.stringify(data)}\n\n`).join(''),
  headers: { 'content-type': 'text/event-stream' },
});
const START = { type: 'message_start', message: { id: 'msg_1', model: 'claude-x', usage: { input_tokens: 5, output_tokens: 1 } } };
const STOP = { type: 'message_stop' };

beforeAll(async () => {
  fake = await startFakeUpstream(anthropicWire);
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  harness = createHarness();
  adapter = create();
});

const full: ChatRequest = {
  model: 'my-route',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', url: `data:image/png;base64,${PNG}` }] },
    { role: 'assistant', content: 'Let me look.', toolCalls: [{ id: 'toolu_1', name: 'lookup', arguments: '{"q":"cat"}' }] },
    { role: 'tool', toolCallId: 'toolu_1', content: 'a cat' },
    { role: 'user', content: 'Thanks. And?' },
  ],
  maxTokens: 100,
  temperature: 0.2,
  topP: 0.9,
  stop: ['END'],
  tools: [{ name: 'lookup', description: 'Looks up', parameters: { type: 'object', properties: { q: { type: 'string' } } } }],
  toolChoice: { name: 'lookup' },
  user: 'u-1',
  task: 'code',
  metadata: { team: 'a' },
};

describe('the request on the wire', () => {
  it('POSTs {baseUrl}/messages with x-api-key, anthropic-version, extra headers and the request id', async () => {
    await adapter.chat(full, harness.context());
    const sent = fake.requests[0]!;
    expect([sent.method, sent.path]).toEqual(['POST', '/v1/messages']);
    expect(sent.headers['x-api-key']).toBe(KEY);
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers['content-type']).toMatch(/^application\/json/);
    expect(sent.headers['x-extra']).toBe('yes');
    expect(sent.headers['x-request-id']).toBe('req-1');
  });

  it('maps every unified parameter: system on top, tool_use/tool_result blocks, turns merged, routing fields dropped', async () => {
    const response = await adapter.chat(full, harness.context());
    expect(fake.requests[0]!.json).toEqual({
      model: 'claude-sonnet-4-5',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is this?' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Let me look.' },
            { type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'cat' } },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'toolu_1', content: 'a cat' },
            { type: 'text', text: 'Thanks. And?' },
          ],
        },
      ],
      temperature: 0.2,
      stop_sequences: ['END'],
      metadata: { user_id: 'u-1' },
      tools: [{ name: 'lookup', description: 'Looks up', input_schema: { type: 'object', properties: { q: { type: 'string' } } } }],
      tool_choice: { type: 'tool', name: 'lookup' },
    });
    expect(response.warnings).toEqual(['Anthropic takes temperature or top_p, not both; top_p was not sent']);
  });

  it('sends top_p when it is the only sampling parameter, and temperature alone when both are given', () => {
    expect(map({ messages: [user('Hi')], topP: 0.9 })).toEqual({ body: expect.objectContaining({ top_p: 0.9 }), warnings: [] });
    const both = map({ messages: [user('Hi')], temperature: 0.3, topP: 0.9 });
    expect([both.body.temperature, both.body.top_p]).toEqual([0.3, undefined]);
    expect(both.warnings).toEqual(['Anthropic takes temperature or top_p, not both; top_p was not sent']);
  });

  it('sends stream: true for streams and nothing else extra', () => {
    expect(map({ messages: [user('Hi')] }, true).body).toEqual({ model: 'claude-sonnet-4-5', max_tokens: DEFAULT_MAX_TOKENS, messages: [{ role: 'user', content: 'Hi' }], stream: true });
  });
});

describe('max_tokens (required by Anthropic)', () => {
  it('defaults to 4096, or the defaultMaxTokens option, and keeps an explicit value', async () => {
    expect(DEFAULT_MAX_TOKENS).toBe(4096);
    await adapter.chat({ messages: [user('Hi')] }, harness.context());
    await create({ defaultMaxTokens: 1024 }).chat({ messages: [user('Hi')] }, harness.context());
    await create({ defaultMaxTokens: 1024 }).chat({ messages: [user('Hi')], maxTokens: 7 }, harness.context());
    expect(fake.requests.map((r) => (r.json as { max_tokens: number }).max_tokens)).toEqual([4096, 1024, 7]);
  });
});

describe('system prompts and role alternation', () => {
  it('joins several system messages as text blocks, and warns about one moved from mid-conversation', () => {
    const { body, warnings } = map({ messages: [{ role: 'system', content: 'A' }, user('Hi'), { role: 'system', content: [{ type: 'text', text: 'B' }] }, user('Go')] });
    expect(body.system).toEqual([{ type: 'text', text: 'A' }, { type: 'text', text: 'B' }]);
    expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'text', text: 'Go' }] }]);
    expect(warnings).toEqual([expect.stringContaining('later system messages were moved')]);
  });

  it('merges consecutive same-role messages and parallel tool results into one turn each', () => {
    const { body } = map({
      messages: [
        user('one'),
        user('two'),
        { role: 'assistant', content: null, toolCalls: [{ id: 't1', name: 'a', arguments: '{}' }, { id: 't2', name: 'b', arguments: '' }] },
        { role: 'tool', toolCallId: 't1', content: 'r1' },
        { role: 'tool', toolCallId: 't2', content: [{ type: 'text', text: 'r2' }] },
        { role: 'assistant', content: 'done' },
        { role: 'assistant', content: 'really' },
      ],
    });
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] },
      { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'a', input: {} }, { type: 'tool_use', id: 't2', name: 'b', input: {} }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'r1' }, { type: 'tool_result', tool_use_id: 't2', content: 'r2' }] },
      { role: 'assistant', content: [{ type: 'text', text: 'done' }, { type: 'text', text: 'really' }] },
    ]);
    const roles = body.messages.map((m) => m.role);
    expect(roles.every((role, i) => i === 0 || role !== roles[i - 1])).toBe(true);
  });

  it('puts tool results before other content in a merged user turn', () => {
    const { body } = map({ messages: [user('note'), { role: 'tool', toolCallId: 't1', content: 'r1' }] });
    expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'r1' }, { type: 'text', text: 'note' }] }]);
  });

  it('property: any conversation becomes alternating turns that keep every text, in order', () => {
    const message = fc.oneof(
      fc.record({ role: fc.constantFrom('system', 'user', 'assistant') as fc.Arbitrary<ChatMessage['role']>, content: fc.string({ minLength: 1, maxLength: 8 }) }),
      fc.record({ role: fc.constant('tool' as const), toolCallId: fc.constant('t'), content: fc.string({ minLength: 1, maxLength: 8 }) }),
    );
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 12 }), (messages: ChatMessage[]) => {
        const { body } = map({ messages });
        const roles = body.messages.map((m) => m.role);
        expect(roles.every((role, i) => i === 0 || role !== roles[i - 1])).toBe(true);
        const texts = (role: 'user' | 'assistant') =>
          body.messages
            .filter((m) => m.role === role)
            .flatMap((m) => (typeof m.content === 'string' ? [m.content] : m.content.map((b) => String(b.text ?? b.content))));
        const sent = (roleOf: (m: ChatMessage) => boolean) => messages.filter(roleOf).map((m) => m.content as string);
        expect(texts('assistant')).toEqual(sent((m) => m.role === 'assistant'));
        expect([...texts('user')].sort()).toEqual(sent((m) => m.role === 'user' || m.role === 'tool').sort());
        const systems = sent((m) => m.role === 'system');
        if (systems.length === 0) expect(body.system).toBeUndefined();
        else expect(systems.length === 1 ? [body.system] : (body.system as { text: string }[]).map((b) => b.text)).toEqual(systems);
      }),
    );
  });

  it('refuses, without calling Anthropic, a request left with no message to send (bad_request, not retried)', async () => {
    const empty: ChatRequest = { messages: [{ role: 'system', content: 'Be brief.' }, user('')] };
    const errors = [await failure(adapter.chat(empty, harness.context())), await failure(collect(adapter.stream(empty, harness.context())))];
    expect(errors.map((e) => [e.kind, e.status, e.retryable])).toEqual([['bad_request', undefined, false], ['bad_request', undefined, false]]);
    expect(errors[0]!.message).toBe('claude: Anthropic needs at least one non-empty user or assistant message');
    expect(fake.requests).toHaveLength(0);
  });

  it('drops empty messages with a warning (Anthropic rejects them)', () => {
    const { body, warnings } = map({ messages: [user('Hi'), { role: 'assistant', content: '' }, user('Again')] });
    expect(body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hi' }, { type: 'text', text: 'Again' }] }]);
    expect(warnings).toEqual([expect.stringContaining('empty assistant message')]);
  });
});

describe('tools', () => {
  it.each([
    ['auto', { type: 'auto' }],
    ['none', { type: 'none' }],
    ['required', { type: 'any' }],
    [{ name: 'f' }, { type: 'tool', name: 'f' }],
  ] as const)('maps toolChoice %j to %j', (choice, expected) => {
    expect(map({ messages: [user('x')], tools: [{ name: 'f' }], toolChoice: choice }).body.tool_choice).toEqual(expected);
  });

  it('gives a tool without parameters an empty object schema', () => {
    expect(map({ messages: [user('x')], tools: [{ name: 'f' }] }).body.tools).toEqual([{ name: 'f', input_schema: { type: 'object', properties: {} } }]);
  });

  it('warns about invalid tool-call arguments and a toolChoice without tools', () => {
    const { body, warnings } = map({ messages: [user('x'), { role: 'assistant', content: null, toolCalls: [{ id: 't', name: 'f', arguments: '[1,' }] }], toolChoice: 'required' });
    expect(body.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] });
    expect(body.tool_choice).toBeUndefined();
    expect(warnings).toHaveLength(2);
  });

  it('rewrites tool ids Anthropic refuses (other providers\' `functions.f:0`) the same way for a call and its result, never two as one', () => {
    const ids = ['functions.f:0', 'functions_f_0', 'call|1', 'toolu_01A-b'];
    const { body, warnings } = map({
      messages: [
        user('x'),
        { role: 'assistant', content: null, toolCalls: ids.map((id) => ({ id, name: 'f', arguments: '{}' })) },
        ...ids.map((id) => ({ role: 'tool' as const, toolCallId: id, content: 'r' })),
      ],
    });
    const uses = (body.messages[1]!.content as Record<string, unknown>[]).map((block) => block.id);
    expect(uses).toEqual(['functions_f_0', 'functions_f_0_2', 'call_1', 'toolu_01A-b']);
    expect((body.messages[2]!.content as Record<string, unknown>[]).map((block) => block.tool_use_id)).toEqual(uses);
    expect(warnings).toEqual([]);
  });

  it('gives an id reused in a later turn (`call_0` every turn) its own tool_use id, and each result the id of the call just before it', () => {
    const { body } = map({
      messages: [
        user('x'),
        { role: 'assistant', content: null, toolCalls: [{ id: 'call_0', name: 'f', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'call_0', content: 'r1' },
        { role: 'assistant', content: null, toolCalls: [{ id: 'call_0', name: 'g', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'call_0', content: 'r2' },
      ],
    });
    const blocks = body.messages.slice(1).map((turn) => (turn.content as Record<string, unknown>[])[0]!);
    const [first, second] = [blocks[0]!.id, blocks[2]!.id];
    expect(first).toBe('call_0');
    expect(second).not.toBe(first);
    expect(second).toMatch(/^[a-zA-Z0-9_-]+$/);
    expect(blocks.map((block) => block.tool_use_id ?? block.id)).toEqual([first, first, second, second]);
  });

  it('gives two calls with the same id in one turn ids of their own, and their results those ids in order', () => {
    const { body } = map({
      messages: [
        user('x'),
        { role: 'assistant', content: null, toolCalls: [{ id: 'call_0', name: 'f', arguments: '{}' }, { id: 'call_0', name: 'g', arguments: '{}' }] },
        { role: 'tool', toolCallId: 'call_0', content: 'rf' },
        { role: 'tool', toolCallId: 'call_0', content: 'rg' },
      ],
    });
    const uses = (body.messages[1]!.content as Record<string, unknown>[]).map((block) => block.id);
    expect(uses).toEqual(['call_0', 'call_0_2']);
    expect((body.messages[2]!.content as Record<string, unknown>[]).map((block) => [block.tool_use_id, block.content])).toEqual([
      ['call_0', 'rf'],
      ['call_0_2', 'rg'],
    ]);
  });
});

describe('warnings (never silent drops)', () => {
  it('sends an image given by http(s) URL as a URL source, and a data URL with parameters as base64', async () => {
    await adapter.chat(
      { messages: [{ role: 'user', content: [{ type: 'image_url', url: 'https://x/cat.png' }, { type: 'image_url', url: `data:image/png;name=a.png;base64,${PNG}` }] }] },
      harness.context(),
    );
    expect((fake.requests[0]!.json as { messages: unknown[] }).messages[0]).toEqual({
      role: 'user',
      content: [
        { type: 'image', source: { type: 'url', url: 'https://x/cat.png' } },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
      ],
    });
  });

  it('refuses a user image it cannot take, naming the part (the engine routes it elsewhere)', () => {
    const request = (url: string): ChatRequest => ({ messages: [{ role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', url }] }] });
    expect(adapter.refuses!(request('data:image/bmp;base64,AAAA'))).toEqual({ param: 'messages[0].content[1]', reason: 'Anthropic does not accept images of type image/bmp' });
    expect(adapter.refuses!(request('gs://bucket/cat.png'))).toEqual({ param: 'messages[0].content[1]', reason: 'Anthropic takes images as base64 data URLs or http(s) URLs' });
    expect(adapter.refuses!(request('https://x/cat.png'))).toBeUndefined();
  });

  it('warns for responseFormat, seed, a clamped temperature, odd images, images outside user turns and names', async () => {
    const request: ChatRequest = {
      messages: [
        { role: 'user', name: 'ann', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', url: 'ftp://x/cat.png' }] },
        { role: 'assistant', content: [{ type: 'image_url', url: `data:image/png;base64,${PNG}` }, { type: 'text', text: 'ok' }] },
        { role: 'user', content: [{ type: 'image_url', url: 'data:image/bmp;base64,AAAA' }, { type: 'text', text: 'and?' }] },
      ],
      responseFormat: { type: 'json_object' },
      seed: 3,
      temperature: 1.5,
    };
    const response = await adapter.chat(request, harness.context());
    const sent = fake.requests[0]!.json as Record<string, unknown>;
    expect(sent.temperature).toBe(1);
    expect(sent).not.toHaveProperty('seed');
    expect(sent).not.toHaveProperty('response_format');
    expect(response.warnings).toEqual([
      'Anthropic does not support "responseFormat"; it was not sent',
      'Anthropic does not support "seed"; it was not sent',
      'Anthropic has no message names; "name" was not sent',
      'Anthropic takes images as base64 data URLs or http(s) URLs; an image was not sent',
      'Anthropic accepts images only in user messages; an image in a message of role assistant was not sent',
      'Anthropic does not accept images of type image/bmp; an image was not sent',
      'Anthropic temperature must be within 0..1; 1.5 was sent as 1',
    ]);
  });

  it('puts the warnings on the finish part of a stream', async () => {
    const parts = await collect(adapter.stream({ messages: [user('Hi')], seed: 1, temperature: -0.5 }, harness.context()));
    expect((fake.requests[0]!.json as { temperature: number }).temperature).toBe(0);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', warnings: ['Anthropic does not support "seed"; it was not sent', expect.stringContaining('-0.5 was sent as 0')] });
  });

  it('has no warnings field when everything maps', async () => {
    const parts = await collect(adapter.stream({ messages: [user('Hi')] }, harness.context()));
    expect(parts.at(-1)).not.toHaveProperty('warnings');
  });
});

describe('replies', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'other'],
  ])('maps stop_reason %s to %s', async (raw, unified) => {
    fake.enqueue({ type: 'status', status: 200, body: { id: 'msg_1', type: 'message', role: 'assistant', model: 'm', content: [], stop_reason: raw, usage: { input_tokens: 1, output_tokens: 1 } }, headers: { 'content-type': 'application/json' } });
    expect((await adapter.chat({ messages: [user('x')] }, harness.context())).finishReason).toEqual({ unified, raw });
  });

  it('counts cache reads and writes as input tokens and ignores block types it does not read', async () => {
    const body = {
      id: 'msg_2',
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'text', text: 'A' }, { type: 'text', text: 'B' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: 10, cache_creation_input_tokens: 100, cache_read_input_tokens: 1000, output_tokens: 3 },
    };
    fake.enqueue({ type: 'status', status: 200, body, headers: { 'content-type': 'application/json' } });
    expect(await adapter.chat({ messages: [user('x')] }, harness.context())).toMatchObject({ id: 'msg_2', content: 'AB', usage: { inputTokens: 1110, outputTokens: 3 } });
  });

  it('leaves thinking, redacted thinking and server-tool blocks out of the answer', async () => {
    const body = {
      id: 'msg_3',
      type: 'message',
      role: 'assistant',
      model: 'claude-x',
      content: [
        { type: 'thinking', thinking: 'I should search.', signature: 'EqQBCgIYAhIM' },
        { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' },
        { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: { query: 'weather Paris' } },
        { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [{ type: 'web_search_result', url: 'https://example.com', title: 'Weather' }] },
        { type: 'text', text: 'Sunny.', citations: [{ type: 'web_search_result_location', url: 'https://example.com', cited_text: 'Sunny' }] },
      ],
      stop_reason: 'end_turn',
      usage: { input_tokens: 10682, cache_creation_input_tokens: 0, cache_read_input_tokens: 1000, output_tokens: 510, server_tool_use: { web_search_requests: 1 } },
    };
    fake.enqueue({ type: 'status', status: 200, body, headers: { 'content-type': 'application/json' } });
    const response = await adapter.chat({ messages: [user('x')] }, harness.context());
    expect(response).toMatchObject({ content: 'Sunny.', usage: { inputTokens: 11682, outputTokens: 510 } });
    expect(response.toolCalls).toBeUndefined();
  });

  it('rejects a text block without text as malformed', async () => {
    fake.enqueue({ type: 'status', status: 200, body: { id: 'm', content: [{ type: 'text' }], stop_reason: 'end_turn' }, headers: { 'content-type': 'application/json' } });
    expect((await failure(adapter.chat({ messages: [user('x')] }, harness.context()))).kind).toBe('malformed');
  });
});

describe('stream events', () => {
  const delta = (index: number, d: Record<string, unknown>) => ({ type: 'content_block_delta', index, delta: d });
  const messageDelta = { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 9 } };

  it('skips ping and unknown events, numbers tool calls apart from text blocks, and gives a no-input call "{}"', async () => {
    fake.enqueue(
      sse(
        START,
        { type: 'ping' },
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
        delta(0, { type: 'text_delta', text: 'Hi' }),
        { type: 'content_block_stop', index: 0 },
        { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_a', name: 'now', input: {} } },
        { type: 'content_block_stop', index: 1 },
        { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_b', name: 'f', input: {} } },
        delta(2, { type: 'input_json_delta', partial_json: '' }),
        delta(2, { type: 'input_json_delta', partial_json: '{"x":' }),
        delta(2, { type: 'input_json_delta', partial_json: '1}' }),
        { type: 'content_block_stop', index: 2 },
        { type: 'some_future_event', detail: 1 },
        messageDelta,
        STOP,
      ),
    );
    const parts = await collect(adapter.stream({ messages: [user('x')] }, harness.context()));
    expect(toolCallsOf(parts)).toEqual([
      { id: 'toolu_a', name: 'now', arguments: '{}' },
      { id: 'toolu_b', name: 'f', arguments: '{"x":1}' },
    ]);
    expect(parts.filter((p): p is Extract<StreamPart, { type: 'text-delta' }> => p.type === 'text-delta').map((p) => p.text)).toEqual(['Hi']);
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: { unified: 'tool_calls', raw: 'tool_use' }, usage: { inputTokens: 5, outputTokens: 9 }, model: 'claude-x', id: 'msg_1' });
  });

  it('reads around thinking, redacted thinking and server-tool blocks, and takes the cumulative input of message_delta', async () => {
    // A web search turn as Anthropic streams it: the server tool's input arrives as input_json_deltas
    // too, and message_delta's usage counts the input of every sampling step.
    fake.enqueue(
      sse(
        { type: 'message_start', message: { id: 'msg_1', model: 'claude-x', usage: { input_tokens: 2679, cache_creation_input_tokens: 0, cache_read_input_tokens: 1000, output_tokens: 3 } } },
        { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
        delta(0, { type: 'thinking_delta', thinking: 'I should search.' }),
        delta(0, { type: 'signature_delta', signature: 'EqQBCgIYAhIM' }),
        { type: 'content_block_stop', index: 0 },
        { type: 'content_block_start', index: 1, content_block: { type: 'redacted_thinking', data: 'EmwKAhgBEgy3va3pzix' } },
        { type: 'content_block_stop', index: 1 },
        { type: 'content_block_start', index: 2, content_block: { type: 'server_tool_use', id: 'srvtoolu_1', name: 'web_search', input: {} } },
        delta(2, { type: 'input_json_delta', partial_json: '{"query": "weather' }),
        delta(2, { type: 'input_json_delta', partial_json: ' Paris"}' }),
        { type: 'content_block_stop', index: 2 },
        { type: 'content_block_start', index: 3, content_block: { type: 'web_search_tool_result', tool_use_id: 'srvtoolu_1', content: [{ type: 'web_search_result', url: 'https://example.com', title: 'Weather' }] } },
        { type: 'content_block_stop', index: 3 },
        { type: 'content_block_start', index: 4, content_block: { type: 'text', text: '' } },
        delta(4, { type: 'citations_delta', citation: { type: 'web_search_result_location', url: 'https://example.com', cited_text: 'Sunny' } }),
        delta(4, { type: 'text_delta', text: 'Sunny.' }),
        { type: 'content_block_stop', index: 4 },
        { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { input_tokens: 10682, cache_creation_input_tokens: 0, cache_read_input_tokens: 1000, output_tokens: 510, server_tool_use: { web_search_requests: 1 } } },
        STOP,
      ),
    );
    const parts = await collect(adapter.stream({ messages: [user('Weather in Paris?')] }, harness.context()));
    expect(parts.slice(0, -1)).toEqual([{ type: 'text-delta', text: 'Sunny.', model: 'claude-x' }]);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: { unified: 'stop' }, usage: { inputTokens: 11682, outputTokens: 510 } });
  });

  it('classifies an error event mid-stream by its type (status undefined)', async () => {
    fake.enqueue(sse(START, { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }));
    const error = await failure(collect(adapter.stream({ messages: [user('x')] }, harness.context())));
    expect([error.kind, error.status, error.message]).toEqual(['rate_limit', undefined, 'claude: error in a successful reply: slow down']);
  });

  it('classifies an invalid_request_error event by its text, as it would a 400 (status undefined)', async () => {
    const invalid = (message: string) => sse(START, { type: 'error', error: { type: 'invalid_request_error', message } });
    fake.enqueue(invalid('prompt is too long: 210000 tokens > 200000 maximum'), invalid('Your credit balance is too low to access the Anthropic API.'), invalid('messages.0: bad'));
    const errors = [];
    for (let i = 0; i < 3; i++) errors.push(await failure(collect(adapter.stream({ messages: [user('x')] }, harness.context()))));
    expect(errors.map((e) => [e.kind, e.status])).toEqual([['context_length', undefined], ['quota', undefined], ['bad_request', undefined]]);
  });

  it('classifies an error event without a type (as some proxies send it) by its error', async () => {
    const body = `${sse(START).body}event: error\ndata: {"error":{"type":"overloaded_error","message":"busy"}}\n\n`;
    fake.enqueue({ type: 'status', status: 200, body, headers: { 'content-type': 'text/event-stream' } });
    const error = await failure(collect(adapter.stream({ messages: [user('x')] }, harness.context())));
    expect([error.kind, error.status, error.message]).toEqual(['server', undefined, 'claude: error in a successful reply: busy']);
  });

  it('fails as malformed on an input_json_delta for a block that is not a tool call', async () => {
    fake.enqueue(sse(START, { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, delta(0, { type: 'input_json_delta', partial_json: '{' }), STOP));
    expect((await failure(collect(adapter.stream({ messages: [user('x')] }, harness.context())))).kind).toBe('malformed');
  });

  it('ignores events after message_stop', async () => {
    fake.enqueue(sse(START, messageDelta, STOP, { type: 'error', error: { type: 'api_error', message: 'late' } }));
    const parts = await collect(adapter.stream({ messages: [user('x')] }, harness.context()));
    expect(parts).toHaveLength(1);
  });
});

describe('errors specific to Anthropic', () => {
  it('classifies an exhausted credit balance (a 400) and billing_error (402 or in-stream) as quota', async () => {
    fake.enqueue(
      { type: 'error', kind: 'bad_request', message: 'Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.' },
      { type: 'error', kind: 'quota' },
      sse(START, { type: 'error', error: { type: 'billing_error', message: 'billing' } }),
    );
    const kinds = [
      await failure(adapter.chat({ messages: [user('x')] }, harness.context())),
      await failure(adapter.chat({ messages: [user('x')] }, harness.context())),
      await failure(collect(adapter.stream({ messages: [user('x')] }, harness.context()))),
    ].map((e) => [e.kind, e.status]);
    expect(kinds).toEqual([['quota', 400], ['quota', 402], ['quota', undefined]]);
  });

  it('treats 529 overloaded as a retryable server error honouring retry-after', async () => {
    fake.enqueue({ type: 'error', kind: 'overloaded', headers: { 'retry-after': '3' } });
    const error = await failure(adapter.chat({ messages: [user('x')] }, harness.context()));
    expect([error.kind, error.status, error.retryable, error.retryAfterMs]).toEqual(['server', 529, true, 3000]);
  });
});

describe('setup', () => {
  it('is registered as type anthropic, checks with GET /models and sends a configured anthropic-version', async () => {
    const registered = createAdapter({ name: 'c', type: 'anthropic', baseUrl: fake.baseUrl, apiKey: KEY, model: 'm', headers: {}, options: { anthropicVersion: '2024-01-01' } }, harness.environment);
    await registered.check!(harness.context());
    expect(fake.requests[0]).toMatchObject({ method: 'GET', path: '/v1/models', headers: { 'x-api-key': KEY, 'anthropic-version': '2024-01-01' } });
  });
});

describe('estimateTokens', () => {
  it('grows with text, images and tools (Anthropic has no public JS tokenizer: a heuristic)', () => {
    const base = estimateTokens({ messages: [user('a'.repeat(350))] });
    expect(base).toBe(100 + 4);
    expect(estimateTokens({ messages: [{ role: 'user', content: [{ type: 'text', text: 'a'.repeat(350) }, { type: 'image_url', url: 'data:image/png;base64,x' }] }] })).toBe(base + 1600);
    expect(estimateTokens({ messages: [user('a'.repeat(350))], tools: [{ name: 'f' }] })).toBeGreaterThan(base + 346);
  });
});
