/**
 * Bad input never reaches an upstream and never breaks the gateway: malformed JSON, wrong
 * types, empty messages, unknown routes, oversized bodies and a few hundred randomly mutated
 * bodies all get a 4xx with an OpenAI-shaped error; the server stays healthy.
 */
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_SCHEMA_DEPTH } from '../../src/engine/validate-request.js';
import { chatCompletionSchema, parseBody } from '../../src/server/validate.js';
import type { FakeUpstream } from '../fakes/server.js';
import { CALM, openaiProviders, startGateway, startOpenAIFakes, type TestGateway } from './helpers.js';

let fakes: FakeUpstream[];
let gw: TestGateway;
const valid = {
  model: 'default',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'Hi' }] },
  ],
  temperature: 0.5,
  max_tokens: 20,
  stream: false,
  tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
};

beforeAll(async () => {
  fakes = await startOpenAIFakes(1);
  gw = await startGateway({ server: { maxBodyBytes: 2048 }, providers: openaiProviders(fakes), ...CALM });
});
afterAll(async () => {
  await gw.close();
  await fakes[0]!.close();
});

/** A raw connection to the gateway: the socket, what came back so far, and its close. */
function rawConnection() {
  const socket = connect(Number(new URL(gw.url).port), '127.0.0.1');
  socket.on('error', () => undefined);
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, closed, received: () => received };
}

/** The one request line logged after the first `before` lines. */
async function requestLineAfter(before: number): Promise<Record<string, unknown> | undefined> {
  await expect.poll(() => gw.logs().slice(before).filter((line) => line.msg === 'request')).toHaveLength(1);
  return gw.logs().slice(before).find((line) => line.msg === 'request');
}

async function expect4xx(response: Response) {
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  const body = (await response.json()) as { error: { message: unknown; type: unknown; code: unknown } };
  expect(typeof body.error.message).toBe('string');
  expect(typeof body.error.type).toBe('string');
  expect(typeof body.error.code).toBe('string');
  return body.error;
}

describe('bad input', () => {
  it.each([
    ['malformed JSON', '{"messages": [', 'invalid_json'],
    ['trailing garbage', '{"messages": []}}', 'invalid_json'],
    ['an empty body', '', 'invalid_request'],
    ['a JSON array', '[1,2]', 'invalid_request'],
    ['JSON null', 'null', 'invalid_request'],
    ['a number', '42', 'invalid_request'],
  ])('rejects %s', async (_name, body, code) => {
    const error = await expect4xx(await gw.post('/v1/chat/completions', body));
    expect(error.code).toBe(code);
  });

  it.each([
    [{ messages: [] }, 'messages'],
    [{}, 'messages'],
    [{ messages: 'hi' }, 'messages'],
    [{ messages: [{ role: 'user' }] }, 'messages[0].content'],
    [{ messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role'],
    [{ messages: [{ role: 'user', content: 5 }] }, 'messages[0].content'],
    [{ messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id'],
    [{ messages: [{ role: 'user', content: [{ type: 'audio' }] }] }, 'messages[0].content[0].type'],
    [{ messages: [{ role: 'user', content: 'x' }], model: 3 }, 'model'],
    [{ messages: [{ role: 'user', content: 'x' }], stream: 'yes' }, 'stream'],
    [{ messages: [{ role: 'user', content: 'x' }], max_tokens: -1 }, 'max_tokens'],
    [{ messages: [{ role: 'user', content: 'x' }], top_p: 2 }, 'top_p'],
    [{ messages: [{ role: 'user', content: 'x' }], n: 3 }, 'n'],
    [{ messages: [{ role: 'user', content: 'x' }], stream_options: { include_usage: 'y' } }, 'stream_options.include_usage'],
    [{ messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'bad name!' } }] }, 'tools[0].function.name'],
    [{ messages: [{ role: 'user', content: 'x' }], logprobs: true }, 'logprobs'],
    [{ messages: [{ role: 'user', content: 'x' }], logprobs: true, top_logprobs: 3 }, 'logprobs'],
    [{ messages: [{ role: 'user', content: 'x' }], top_logprobs: 3 }, 'top_logprobs'],
    [{ messages: [{ role: 'user', content: 'x' }], functions: [{ name: 'f', parameters: {} }] }, 'functions'],
    [{ messages: [{ role: 'user', content: 'x' }], functions: [{ name: 'f' }], function_call: 'auto' }, 'functions'],
    [{ messages: [{ role: 'user', content: 'x' }], function_call: { name: 'f' } }, 'function_call'],
    [{ messages: [{ role: 'user', content: 'x' }], stream_options: { include_usage: true } }, 'stream_options'],
    [{ messages: [{ role: 'user', content: 'x' }], stream: false, stream_options: { include_usage: true } }, 'stream_options'],
    [{ messages: [{ role: 'user', content: 'x' }], frequency_penalty: 2.5 }, 'frequency_penalty'],
    [{ messages: [{ role: 'user', content: 'x' }], presence_penalty: -3 }, 'presence_penalty'],
    [{ messages: [{ role: 'user', content: 'x' }], logit_bias: { '50256': 101 } }, 'logit_bias.50256'],
    [{ messages: [{ role: 'user', content: 'x' }], logit_bias: { hello: 1 } }, 'logit_bias.hello'],
    [{ messages: [{ role: 'user', content: 'x' }], parallel_tool_calls: 'no' }, 'parallel_tool_calls'],
    [{ messages: [{ role: 'user', content: 'x' }], reasoning_effort: 'MAX!' }, 'reasoning_effort'],
    [{ messages: [{ role: 'user', content: 'x' }], service_tier: 'Fastest tier' }, 'service_tier'],
    [{ messages: [{ role: 'user', content: 'x' }], store: 'yes' }, 'store'],
    [{ messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_schema', json_schema: { name: 'bad name!', schema: {} } } }, 'response_format.json_schema.name'],
    [{ messages: [{ role: 'user', content: 'x' }], response_format: { type: 'json_schema', json_schema: { name: 'r', description: 5 } } }, 'response_format.json_schema.description'],
  ])('names the field of %j', async (body, param) => {
    const error = (await expect4xx(await gw.post('/v1/chat/completions', body))) as { param?: unknown; message: string };
    expect(error.param).toBe(param);
    expect(error.message.startsWith(param)).toBe(true);
  });

  it('rejects unknown routes and oversized bodies', async () => {
    await expect4xx(await gw.fetch('/v1/completions', { method: 'POST', body: '{}' }));
    await expect4xx(await gw.fetch('/../../etc/passwd'));
    await expect4xx(await gw.fetch('/providers/%E0%A4%A/open', { method: 'POST' }));
    await expect4xx(await gw.post('/v1/chat/completions', { messages: [{ role: 'user', content: 'x'.repeat(4000) }] }));
  });

  it('answers requests the HTTP parser refuses: 400 for garbage, 431 for oversized headers', async () => {
    const rawExchange = async (bytes: string) => {
      const { socket, closed, received } = rawConnection();
      socket.write(bytes);
      await closed;
      return received();
    };
    expect(await rawExchange('NOT HTTP AT ALL\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(await rawExchange(`GET /health HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`)).toMatch(/^HTTP\/1\.1 431 /);
  });

  it('logs an upload the HTTP parser cuts off (a bad chunk size) with the 400 its client got, not as a client that left', async () => {
    const { socket, closed, received } = rawConnection();
    const before = gw.logs().length;
    socket.write('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n5\r\n{"mes\r\nZZ\r\n');
    await closed;
    expect(received()).toMatch(/^HTTP\/1\.1 400 /);
    expect(await requestLineAfter(before)).toMatchObject({ status: 400 });
  });

  it("logs an upload Node's request timeout cuts off with the 408 its client got", async () => {
    // Node checks its timeouts every 30 s: this raises what its check raises, on the server's socket.
    const serverSide = new Promise<Socket>((resolve) => gw.gateway.server.once('connection', resolve));
    const { socket, closed, received } = rawConnection();
    socket.on('end', () => socket.destroy());
    const before = gw.logs().length;
    socket.write('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"mes');
    const server = await serverSide;
    await expect.poll(() => gw.gateway.active).toBe(1);
    gw.gateway.server.emit('clientError', Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' }), server);
    await closed;
    expect(received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(await requestLineAfter(before)).toMatchObject({ status: 408, outcome: 'request_timeout' });
  });

  it('logs a client that hangs up mid-body (its FIN before the last byte) as gone: 499, no 400 written', async () => {
    const { socket, closed, received } = rawConnection();
    const before = gw.logs().length;
    socket.end('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"mes');
    await closed;
    expect(received()).toBe('');
    expect(await requestLineAfter(before)).toMatchObject({ status: 499, outcome: 'client_closed_request' });
  });

  it('answers a few hundred randomly mutated bodies with a 4xx', async () => {
    const text = JSON.stringify(valid);
    // Each path with values that are wrong there (a mutation must not make a valid request).
    const wrong: [(string | number)[], unknown[]][] = [
      [['messages'], [null, 0, 'x', [], {}, [1]]],
      [['messages', 0], [null, 0, 'x', [], {}]],
      [['messages', 0, 'role'], [null, 0, '', 'robot', true, {}]],
      [['messages', 1, 'content'], [0, true, {}, [1], [{}], null]],
      [['messages', 1, 'content', 0], [null, 0, 'x', [], {}]],
      [['messages', 1, 'content', 0, 'type'], [null, 0, 'audio', '', []]],
      [['temperature'], [-1, 3, 'hot', true, [], {}]],
      [['max_tokens'], [0, -1, 1.5, 'x', true, {}]],
      [['stream'], [0, 'yes', [], {}]],
      [['tools'], [0, 'x', {}, [1], [{}]]],
      [['tools', 0, 'function'], [null, 0, 'x', [], {}]],
      [['tools', 0, 'type'], [null, 0, 'tool', []]],
      [['model'], [0, true, '', [], {}]],
    ];
    // Text mutations that break the JSON, and structural ones that break the shape.
    const textMutation = fc
      .tuple(fc.nat({ max: text.length - 1 }), fc.nat({ max: 8 }), fc.constantFrom('', '{', '}', '"', ',', ':', '[', ']', '\\', 'x', '\u0000', '\uD800'))
      .map(([at, cut, insert]) => text.slice(0, at) + insert + text.slice(at + cut))
      .filter((body) => !parses(body));
    const shapeMutation = fc.constantFrom(...wrong).chain(([path, values]) => fc.tuple(fc.constant(path), fc.constantFrom(...values))).map(([path, value]) => {
      const copy = structuredClone(valid) as Record<string, unknown>;
      setPath(copy, path, value);
      return JSON.stringify(copy);
    });
    const bodies = fc.sample(fc.oneof(textMutation, shapeMutation), { numRuns: 300, seed: 42 });
    expect(bodies.length).toBe(300);
    for (let i = 0; i < bodies.length; i += 25) {
      const responses = await Promise.all(bodies.slice(i, i + 25).map((body) => gw.post('/v1/chat/completions', body)));
      for (const response of responses) await expect4xx(response);
    }
  });

  it('made no upstream call and is still healthy', async () => {
    expect(fakes[0]!.requests).toHaveLength(0);
    expect((await gw.fetch('/health')).status).toBe(200);
    expect((await gw.post('/v1/chat/completions', valid)).status).toBe(200);
    expect(fakes[0]!.requests).toHaveLength(1);
  });
});

describe('hostile clients', () => {
  it('stops validating at the first bad message: a body of bad messages costs one issue, not one per message', () => {
    let reads = 0;
    const bad = { get role() { return (reads++, 'robot'); }, content: 'x' };
    expect(() => parseBody(chatCompletionSchema, { messages: Array<unknown>(10_000).fill(bad) }, 1_000_000)).toThrow(/^messages\[0\]\.role: /);
    expect(reads).toBeLessThan(10);
  });

  it.each([
    ['messages[0].tool_call_id', (bad: object) => ({ messages: Array<unknown>(10_000).fill(Object.assign(bad, { role: 'tool', content: 'x' })) }), 'tool_call_id', ''],
    ['messages[0].content[0].image_url.url', (bad: object) => ({ messages: Array<unknown>(10_000).fill({ role: 'user', content: [{ type: 'image_url', image_url: bad }] }) }), 'url', ''],
    ['messages[0].tool_calls[0].function.name', (bad: object) => ({ messages: Array<unknown>(10_000).fill({ role: 'assistant', tool_calls: [{ id: '1', type: 'function', function: Object.assign(bad, { arguments: '' }) }] }) }), 'name', ''],
    ['tools[0].function.name', (bad: object) => ({ messages: [{ role: 'user', content: 'x' }], tools: Array<unknown>(10_000).fill({ type: 'function', function: bad }) }), 'name', 'a b'],
  ])('stops at the first %s that fails a check (a length or a pattern), as at a wrong type', (param, body, key, value) => {
    let reads = 0;
    // The getter stays on the object the body holds (`Object.assign` onto it, never a spread of it).
    const bad = Object.defineProperty({}, key, { enumerable: true, get: () => (reads++, value) });
    expect(() => parseBody(chatCompletionSchema, body(bad), 1_000_000)).toThrow(new RegExp(`^${param.replace(/[[\].]/g, '\\$&')}: `));
    expect(reads).toBeLessThan(10);
  });

  it.each([
    ['logit_bias', 1024, (i: number) => String(i)],
    ['metadata', 16, (i: number) => `k${i}`],
  ])('refuses a %s of more than %i entries before checking any (zod checks every entry of a record)', (param, max, key) => {
    const body = (entries: number, values: () => unknown) => {
      const record = {};
      for (let i = 0; i < entries; i++) Object.defineProperty(record, key(i), { enumerable: true, get: values });
      return { messages: [{ role: 'user', content: 'x' }], [param]: record };
    };
    let reads = 0;
    expect(() => parseBody(chatCompletionSchema, body(100_000, () => (reads++, 'bad')), 1_000_000)).toThrow(`${param}: must have at most ${max} entries`);
    expect(reads).toBe(0);
    expect(() => parseBody(chatCompletionSchema, body(max, () => (param === 'metadata' ? 'v' : 1)), 1_000)).not.toThrow();
  });

  it('refuses a JSON Schema nested too deep with a 400, never an upstream failure against the provider', async () => {
    const fake = (await startOpenAIFakes(1))[0]!;
    // Breakers as configured by default: the old stack overflow counted 3 network failures per request.
    const deep = await startGateway({ providers: openaiProviders([fake]), routing: { maxAttempts: 3, backoff: { baseMs: 1, maxMs: 2 } } });
    try {
      const schema = (levels: number) => `{"a":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;
      const tool = (levels: number) => `{"messages":[{"role":"user","content":"x"}],"tools":[{"type":"function","function":{"name":"f","parameters":${schema(levels)}}}]}`;
      for (let i = 0; i < 3; i++) {
        const error = (await expect4xx(await deep.post('/v1/chat/completions', tool(10_000)))) as { param?: unknown };
        expect(error.param).toBe('tools[0].function.parameters');
      }
      const format = `{"messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"r","schema":${schema(10_000)}}}}`;
      expect(((await expect4xx(await deep.post('/v1/chat/completions', format))) as { param?: unknown }).param).toBe('response_format.json_schema.schema');
      expect(fake.requests).toHaveLength(0);
      expect(deep.engine.providers().map((p) => [p.state, p.failures])).toEqual([['healthy', 0]]);
      expect((await deep.post('/v1/chat/completions', tool(MAX_SCHEMA_DEPTH))).status).toBe(200);
    } finally {
      await deep.close();
      await fake.close();
    }
  });

  it('hangs up on bad bytes pipelined behind a stream instead of writing a status line into it', async () => {
    let resume!: () => void;
    fakes[0]!.enqueue({ type: 'paused-stream', resume: new Promise<void>((resolve) => (resume = resolve)) });
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'x' }], stream: true });
    const socket = connect(Number(new URL(gw.url).port), '127.0.0.1');
    socket.on('error', () => undefined);
    let received = '';
    const streaming = new Promise<void>((resolve) => socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')).includes('data: ') && resolve()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    await streaming;
    socket.write('NOT HTTP AT ALL\r\n\r\n');
    await closed;
    resume();
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(received).not.toContain('HTTP/1.1 400');
    expect((await gw.fetch('/health')).status).toBe(200);
  });

  it('quotes at most 200 characters of the path in a 405, as in a 404', async () => {
    const error = await expect4xx(await gw.fetch(`/providers/${'a'.repeat(5000)}/open`, { method: 'PUT' }));
    expect(error.code).toBe('method_not_allowed');
    expect((error.message as string).length).toBeLessThan(300);
  });
});

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function setPath(target: Record<string, unknown>, path: (string | number)[], value: unknown): void {
  let node: unknown = target;
  for (const key of path.slice(0, -1)) node = (node as Record<string | number, unknown>)[key];
  (node as Record<string | number, unknown>)[path.at(-1)!] = value;
}
