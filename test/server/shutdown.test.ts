/**
 * Graceful shutdown over real sockets: a gateway that is draining takes no new work, even on
 * a kept-alive connection, and a request it has to cut off is answered 503 `shutting_down`
 * (the gateway's doing), never 499 (which says the client left).
 */
import type { ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeUpstream } from '../fakes/server.js';
import { openaiProviders, startGateway, startOpenAIFakes, type TestGateway } from './helpers.js';

let fakes: FakeUpstream[] = [];
let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.close();
  await Promise.all(fakes.map((fake) => fake.close()));
  gw = undefined;
  fakes = [];
});

const chat = JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'Hi' }] });

describe('shutdown', () => {
  it('refuses new work with 503 while draining, even on a connection that was kept alive', async () => {
    fakes = await startOpenAIFakes(1);
    gw = await startGateway({ providers: openaiProviders(fakes) });
    const { port } = new URL(gw.url);
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // Request 1 is under way when the shutdown starts: its headers are in, its body is not.
    const head = (length: number) => `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`;
    const arrived = new Promise<void>((resolve) => gw!.gateway.server.once('request', () => resolve()));
    socket.write(head(Buffer.byteLength(chat)));
    await arrived;
    const closing = gw.gateway.close(60_000);
    // Its body, then request 2 on the same connection.
    socket.write(chat + head(Buffer.byteLength(chat)) + chat);
    await ended;
    const statuses = [...received.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
    expect(statuses[0]).toBe(200);
    // Request 2 never reaches an upstream: refused with 503, or its connection closed unserved.
    expect(fakes[0]!.requests).toHaveLength(1);
    if (statuses.length > 1) {
      expect(statuses[1]).toBe(503);
      expect(received).toContain('"code":"shutting_down"');
    }
    expect(await closing).toEqual({ drained: true });
    gw = undefined;
  });

  it('answers a request cut off by the drain timeout with 503 shutting_down on a closing connection, and logs it so', async () => {
    fakes = await startOpenAIFakes(1);
    gw = await startGateway({ providers: openaiProviders(fakes) });
    fakes[0]!.enqueue({ type: 'hang-before-headers' });
    const pending = gw.post('/v1/chat/completions', JSON.parse(chat));
    await fakes[0]!.until((fake) => fake.hanging === 1);
    const closing = gw.gateway.close(0);
    const response = await pending;
    expect(response.status).toBe(503);
    // Under way when the drain started: its connection closes after the answer.
    expect(response.headers.get('connection')).toBe('close');
    expect(((await response.json()) as { error: { code: string; type: string } }).error).toMatchObject({ code: 'shutting_down', type: 'service_unavailable_error' });
    expect(await closing).toEqual({ drained: false });
    const line = gw.logs().find((entry) => entry.request_id !== undefined && entry.status !== 200);
    expect(line).toMatchObject({ status: 503, outcome: 'shutting_down', error: 'the gateway shut down before the answer was complete', selected_provider: null, attempts: 1, failover_attempts: 0 });
    gw = undefined;
  });
  it('lists the upstream calls made (header and body) in the 503 of a request it cuts off', async () => {
    fakes = await startOpenAIFakes(2);
    gw = await startGateway({ providers: openaiProviders(fakes), routing: { backoff: { baseMs: 1, maxMs: 2 } } });
    fakes[0]!.enqueue({ type: 'error', kind: 'server' });
    fakes[1]!.enqueue({ type: 'hang-before-headers' });
    const pending = gw.post('/v1/chat/completions', JSON.parse(chat));
    await fakes[1]!.until((fake) => fake.hanging === 1);
    const closing = gw.gateway.close(0);
    const response = await pending;
    expect(response.status).toBe(503);
    expect(response.headers.get('x-switchyard-attempts')).toBe('2');
    const body = (await response.json()) as { error: { code: string; attempts?: { provider: string; kind: string }[] } };
    expect(body.error.code).toBe('shutting_down');
    expect(body.error.attempts?.map((a) => [a.provider, a.kind])).toEqual([['a', 'server'], ['b', 'aborted']]);
    await closing;
    gw = undefined;
  });

  it('logs and counts a client that leaves during the drain as 499, not as cut off by the shutdown', async () => {
    fakes = await startOpenAIFakes(1);
    gw = await startGateway({ providers: openaiProviders(fakes) });
    fakes[0]!.enqueue({ type: 'hang-before-headers' });
    const client = new AbortController();
    const pending = gw.fetch('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: chat, signal: client.signal }).catch(() => 'gone');
    await fakes[0]!.until((fake) => fake.hanging === 1);
    const closing = gw.gateway.close(60_000);
    const finished = new Promise<void>((resolve) => gw!.engine.on('request.finished', () => resolve()));
    client.abort();
    await pending;
    await finished;
    expect(gw.logs().find((entry) => entry.request_id !== undefined)).toMatchObject({ status: 499, outcome: 'aborted' });
    expect(await gw.gateway.metrics.render()).toMatch(/switchyard_requests_total\{route="default",provider="none",status="499"\} 1/);
    expect(await closing).toEqual({ drained: true });
    gw = undefined;
  });

  it('lets a stream already under way finish whole, then closes its connection while the drain goes on', async () => {
    fakes = await startOpenAIFakes(1);
    gw = await startGateway({ providers: openaiProviders(fakes) });
    let resume!: () => void;
    fakes[0]!.enqueue(
      { type: 'paused-stream', resume: new Promise<void>((resolve) => (resume = resolve)), reply: { content: 'one two three four five six' } },
      { type: 'hang-before-headers' }, // a second request keeps the drain open
    );
    const { port } = new URL(gw.url);
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    const firstPart = new Promise<void>((resolve) => socket.on('data', (chunk: Buffer) => ((received += chunk.toString('utf8')), received.includes('"content"') && resolve())));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const body = JSON.stringify({ model: 'default', stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await firstPart;
    const other = gw.post('/v1/chat/completions', JSON.parse(chat));
    await fakes[0]!.until((fake) => fake.hanging === 1);
    // The stream's headers are out (keep-alive) and part of its body: now the drain starts.
    let drainOver = false;
    const closing = gw.gateway.close(60_000).then((result) => ((drainOver = true), result));
    resume();
    await ended;
    // The gateway closed that connection once its stream was complete, not at the drain's end.
    expect(drainOver).toBe(false);
    const text = [...received.matchAll(/"content":"([^"]*)"/g)].map((m) => m[1]).join('');
    expect(text).toBe('one two three four five six');
    expect(received).toContain('data: [DONE]');
    expect(received.endsWith('0\r\n\r\n')).toBe(true); // the chunked body ended properly, not cut
    fakes[0]!.reset(); // the hanging call is released; the drain can end
    await other;
    expect(await closing).toEqual({ drained: true });
    gw = undefined;
  });
});

describe('operator actions without an admin key', () => {
  it('need a gateway key when gateway keys are configured', async () => {
    fakes = await startOpenAIFakes(1);
    gw = await startGateway({ providers: openaiProviders(fakes), server: { apiKeys: ['gw-key-1'] } });
    expect((await gw.post('/providers/a/disable', {})).status).toBe(401);
    const allowed = await gw.post('/providers/a/disable', {}, { authorization: 'Bearer gw-key-1' });
    expect(allowed.status).toBe(200);
    expect(((await allowed.json()) as { state: string }).state).toBe('disabled');
  });

  it('are open when no key of any kind is configured (the local demo)', async () => {
    fakes = await startOpenAIFakes(1);
    gw = await startGateway({ providers: openaiProviders(fakes) });
    expect((await gw.post('/providers/a/open', {})).status).toBe(200);
  });
});

describe('a client that leaves mid-upload', () => {
  it('is logged as 499 client_closed_request, not as a bad request', async () => {
    fakes = await startOpenAIFakes(1);
    gw = await startGateway({ providers: openaiProviders(fakes) });
    const { port } = new URL(gw.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const arrived = new Promise<ServerResponse>((resolve) => gw!.gateway.server.once('request', (_req, res: ServerResponse) => resolve(res)));
    socket.write('POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"model":');
    const res = await arrived;
    const finished = new Promise<void>((resolve) => res.once('close', () => resolve()));
    // The gateway is reading the body: hang up.
    socket.destroy();
    await finished;
    await new Promise((resolve) => setImmediate(resolve)); // the rejection is handled a tick later
    const line = gw.logs().find((entry) => entry.status !== undefined);
    expect(line).toMatchObject({ status: 499 });
    expect(fakes[0]!.requests).toHaveLength(0);
  });
});
