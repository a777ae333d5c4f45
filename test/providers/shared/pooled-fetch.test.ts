/**
 * The pooled fetch against a real loopback server: the parts of `fetch` adapters rely on,
 * early cancellation without stray errors, and `close()` leaving no socket open. (The whole
 * adapter contract also runs over it: test/providers/contract.ts.)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSwitchyard } from '../../../src/engine/switchyard.js';
import { VirtualClock } from '../../../src/core/clock.js';
import { readText } from '../../../src/providers/shared/body.js';
import { createOpenAIAdapter } from '../../../src/providers/openai/adapter.js';
import { createPooledFetch, Pools, type PooledFetch } from '../../../src/providers/shared/pooled-fetch.js';
import { createUpstream } from '../../../src/providers/shared/upstream.js';

interface TestServer {
  url: string;
  sockets: Set<Socket>;
  close(): Promise<void>;
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handler(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Resolves when `socket` has closed. */
function closed(socket: Socket): Promise<void> {
  return socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

/** Resolves once `check` holds, re-checked on every socket close (no timers). */
async function until(server: TestServer, check: () => boolean): Promise<void> {
  while (!check()) {
    const [socket] = server.sockets;
    if (socket === undefined) return;
    await new Promise((resolve) => socket.once('close', resolve));
  }
}

let server: TestServer | undefined;
let pooled: PooledFetch | undefined;
afterEach(async () => {
  await pooled?.close();
  await server?.close();
  pooled = undefined;
  server = undefined;
});

describe('createPooledFetch', () => {
  it('sends method, path, query, headers and body, and returns status, headers and body', async () => {
    server = await serve((req, res, body) => {
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(201, { 'content-type': 'application/json', 'x-echo': req.headers['x-key'] ?? '' });
      res.end(JSON.stringify({ method: req.method, url: req.url, body }));
    });
    pooled = createPooledFetch();
    const response = await pooled(`${server.url}/v1/things?q=1`, { method: 'POST', headers: { 'x-key': 'k1', 'content-type': 'application/json' }, body: '{"a":1}' });
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.headers.get('x-echo')).toBe('k1');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await response.json()).toEqual({ method: 'POST', url: '/v1/things?q=1', body: '{"a":1}' });
  });

  it('accepts a Request object (as ky passes it)', async () => {
    server = await serve((req, res, body) => res.end(`${req.method} ${body}`));
    pooled = createPooledFetch();
    const response = await pooled(new Request(`${server.url}/x`, { method: 'PUT', body: 'payload' }));
    expect(await response.text()).toBe('PUT payload');
  });

  it('gives a 204 a null body', async () => {
    server = await serve((_req, res) => res.writeHead(204).end());
    pooled = createPooledFetch();
    const response = await pooled(`${server.url}/`);
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
  });

  it('reuses connections for sequential calls', async () => {
    server = await serve((_req, res) => res.end('ok'));
    pooled = createPooledFetch();
    const ports = new Set<number>();
    for (let i = 0; i < 5; i++) {
      const response = await pooled(`${server.url}/`);
      expect(await response.text()).toBe('ok');
      for (const socket of server.sockets) ports.add(socket.remotePort!);
    }
    // The next call may start before the previous socket is back in the pool; never one per call.
    expect(ports.size).toBeLessThanOrEqual(2);
  });

  it('rejects with an AbortError when the signal is already aborted, without connecting', async () => {
    server = await serve((_req, res) => res.end('never'));
    pooled = createPooledFetch();
    const controller = new AbortController();
    controller.abort();
    await expect(pooled(`${server.url}/`, { signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(server.sockets.size).toBe(0);
  });

  it('rejects when aborted while waiting for headers', async () => {
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => (arrived = resolve));
    server = await serve(() => arrived()); // never answers
    pooled = createPooledFetch();
    const controller = new AbortController();
    const pending = pooled(`${server.url}/`, { signal: controller.signal });
    await requestArrived;
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('lets a reader stop a stream early: no uncaught error, the connection is closed', async () => {
    server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n'); // and never ends
    });
    pooled = createPooledFetch();
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const response = await pooled(`${server.url}/`);
      const reader = response.body!.getReader();
      const first = await reader.read();
      expect(new TextDecoder().decode(first.value)).toBe('data: 1\n\n');
      const [socket] = server.sockets;
      await reader.cancel();
      // That connection closes (undici may open a fresh, idle one in its place).
      await closed(socket!);
      expect(server.sockets.has(socket!)).toBe(false);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });

  it('fails a reply whose status no Response can carry, and frees its connection', async () => {
    const sockets = new Set<Socket>();
    const raw = createNetServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('data', () => socket.write('HTTP/1.1 999 Odd\r\ncontent-length: 5\r\n\r\nhello'));
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const { port } = raw.address() as AddressInfo;
    pooled = createPooledFetch({ connections: 1 });
    await expect(pooled(`http://127.0.0.1:${port}/`)).rejects.toThrow('invalid HTTP status 999');
    const [socket] = sockets;
    // The connection is free again (not pinned by the unread body): with a pool of one, the
    // next call gets it.
    await expect(pooled(`http://127.0.0.1:${port}/`)).rejects.toThrow('invalid HTTP status 999');
    expect([...sockets]).toEqual([socket]);
    await pooled.close();
    pooled = undefined;
    for (const open of sockets) open.destroy();
    await new Promise<void>((resolve) => raw.close(() => resolve()));
  });

  it('close() ends every kept-alive connection', async () => {
    server = await serve((_req, res) => res.end('ok'));
    pooled = createPooledFetch();
    await (await pooled(`${server.url}/`)).text();
    expect(server.sockets.size).toBe(1);
    await pooled.close();
    pooled = undefined;
    await until(server, () => server!.sockets.size === 0);
    expect(server.sockets.size).toBe(0);
  });

  it('request() sends a direct request and answers with status, a header reader and a Node body', async () => {
    server = await serve((req, res, body) => {
      res.writeHead(201, { 'content-type': 'application/json', 'x-multi': ['a', 'b'] });
      res.end(JSON.stringify({ method: req.method, url: req.url, type: req.headers['content-type'], body }));
    });
    pooled = createPooledFetch();
    const reply = await pooled.request({ origin: server.url, path: '/v1/chat?x=1', method: 'post', headers: { 'content-type': 'application/json' }, body: '{"a":1}', signal: undefined });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('Content-Type')).toBe('application/json');
    expect(reply.headers.get('x-multi')).toBe('a, b');
    expect(reply.headers.get('x-absent')).toBeNull();
    const text = await readText(reply.body, { provider: 'p', clock: new VirtualClock(), idleTimeoutMs: 1000 });
    expect(JSON.parse(text)).toEqual({ method: 'POST', url: '/v1/chat?x=1', type: 'application/json', body: '{"a":1}' });
    // An aborted call is refused before it is sent.
    const controller = new AbortController();
    controller.abort();
    await expect(pooled.request({ origin: server.url, path: '/', method: 'GET', headers: {}, body: undefined, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('an adapter path reaches the server as fetch sends it (spaces, accents, escapes, dot segments, queries)', async () => {
    const seen: string[] = [];
    server = await serve((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    pooled = createPooledFetch();
    const clock = new VirtualClock();
    const context = { signal: new AbortController().signal, clock, requestId: 'r1' };
    const paths = ['models/my model é:run?q=a b', 'already%20encoded/%zz', 'a\\b', 'v2/../models', 'ok?x=1&y=ü', 'tuned#1?tag=a#b'];
    const sent = async (fetch: typeof globalThis.fetch, base: string): Promise<string[]> => {
      seen.length = 0;
      const settings = { name: 'p', type: 'custom', baseUrl: `${server!.url}${base}`, apiKey: undefined, model: 'm', headers: {}, options: {} };
      const upstream = createUpstream({ settings, environment: { clock, fetch, seed: 1, startedAt: 0 }, defaultBaseUrl: server!.url });
      for (const path of paths) await upstream.ping({ path }, context);
      return [...seen];
    };
    for (const base of ['/v1', '/openai/d?api-version=1']) {
      const overFetch = await sent(globalThis.fetch, base);
      expect(await sent(pooled, base)).toEqual(overFetch);
    }
    const onPool = await sent(pooled, '/openai/d?api-version=1');
    expect(onPool[0]).toBe('/openai/d/models/my%20model%20%C3%A9:run?api-version=1&q=a%20b');
    // A `#` is data, not a fragment that would drop the base's query.
    expect(onPool.at(-1)).toBe('/openai/d/tuned%231?api-version=1&tag=a%23b');
  });

  it('request() cancels a body mid-way: the connection is closed, no uncaught error', async () => {
    server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
    });
    pooled = createPooledFetch();
    const reply = await pooled.request({ origin: server.url, path: '/', method: 'GET', headers: {}, body: undefined, signal: undefined });
    const first = await reply.body!.read();
    expect(new TextDecoder().decode(first.value as Uint8Array)).toBe('data: 1\n\n');
    const [socket] = server.sockets;
    await reply.body!.cancel();
    await closed(socket!);
    expect(server.sockets.has(socket!)).toBe(false);
  });

  it('request() cancelled after the whole reply arrived leaves its connection reusable', async () => {
    server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('data: 1\n\ndata: [DONE]\n\n');
    });
    pooled = createPooledFetch();
    const send = () => pooled!.request({ origin: server!.url, path: '/', method: 'GET', headers: {}, body: undefined, signal: undefined });
    const reply = await send();
    await reply.body!.read();
    // Let the rest of the reply reach the client before the reader stops.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await reply.body!.cancel();
    const [socket] = server.sockets;
    const again = await send();
    await again.body!.cancel();
    expect(again.status).toBe(200);
    expect(server.sockets.size).toBe(1);
    expect([...server.sockets][0]).toBe(socket);
  });

  it('a stream whose body ends after its terminator keeps its connection (the end is let through)', async () => {
    const held: ServerResponse[] = [];
    server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = (content: string) => `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
      res.write(`${chunk('Hi')}data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`);
      held.push(res); // the end of the chunked body comes later, when the test says so
    });
    // One connection: each stream waits for the one before to end, then takes its connection if it is still open.
    pooled = createPooledFetch({ connections: 1 });
    const clock = new VirtualClock();
    const adapter = createOpenAIAdapter(
      { name: 'p', type: 'openai', baseUrl: `${server.url}/v1`, apiKey: 'sk-test-000000', model: 'm', headers: {}, options: {} },
      { clock, fetch: pooled, seed: 1, startedAt: 0 },
    );
    const ports: number[] = [];
    for (let i = 0; i < 3; i++) {
      const parts = [];
      for await (const part of adapter.stream({ messages: [{ role: 'user', content: 'x' }] }, { signal: new AbortController().signal, clock, requestId: `r${i}` })) parts.push(part);
      expect(parts.at(-1)).toMatchObject({ type: 'finish' });
      const res = held.shift()!;
      ports.push(res.socket!.remotePort!);
      await new Promise<void>((resolve) => res.end(resolve));
    }
    expect(new Set(ports).size).toBe(1);
    expect(clock.pending).toBe(0);
  });

  it('is the engine default, and stop() leaves no socket open', async () => {
    server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: 'c1',
          object: 'chat.completion',
          created: 1,
          model: 'm',
          choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
        }),
      );
    });
    const engine = createSwitchyard({ providers: [{ name: 'up', type: 'openai', baseUrl: `${server.url}/v1`, apiKey: 'sk-test', model: 'm' }] }, { env: {} });
    const answer = await engine.chat({ messages: [{ role: 'user', content: 'hello' }] });
    expect(answer.content).toBe('hi');
    expect(server.sockets.size).toBe(1);
    await engine.stop();
    await until(server, () => server!.sockets.size === 0);
    expect(server.sockets.size).toBe(0);
  });
});

describe('Pools (one keep-alive pool per origin)', () => {
  it('drops an origin\'s pool once its last connection has closed with nothing queued, and keeps one still connected', async () => {
    server = await serve((_req, res) => res.end('ok'));
    const pools = new Pools({ connections: 4 });
    const pool = pools.of(server.url);
    await (await pool.request({ path: '/', method: 'GET' })).body.text();
    expect(pools.size).toBe(1);
    expect(pools.of(server.url)).toBe(pool);

    // An engine that lives for months calls origins that come and go: an idle, disconnected
    // one must not stay (undici's Agent keeps every origin it ever called).
    const disconnected = new Promise((resolve) => pool.once('disconnect', resolve));
    for (const socket of server.sockets) socket.destroy();
    await disconnected;
    expect(pools.size).toBe(0);
    const fresh = pools.of(server.url);
    expect(fresh).not.toBe(pool);
    await (await fresh.request({ path: '/', method: 'GET' })).body.text();
    await pools.destroy();
    await until(server, () => server!.sockets.size === 0);
    expect(server.sockets.size).toBe(0);
    expect(() => pools.of(server!.url)).toThrow(/destroyed/i);
  });

  it('drops the pool of an origin that refuses connections', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createNetServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const pools = new Pools({ connections: 4 });
    await expect(pools.of(`http://127.0.0.1:${closedPort}`).request({ path: '/', method: 'GET' })).rejects.toThrow();
    expect(pools.size).toBe(0);
    await pools.destroy();
  });
});
