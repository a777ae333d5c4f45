/**
 * `serve --inspect`'s relay over real sockets: a WebSocket viewer sees provider and router
 * actors live, a late viewer gets the recent events, and no credential ever leaves.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { VirtualClock } from '../../src/core/clock.js';
import { createSwitchyard, type Switchyard } from '../../src/engine/switchyard.js';
import { sanitizeContext, sanitizeEvent, startInspectRelay, type InspectRelay } from '../../src/server/inspect.js';

const CANARY = 'sk-canary-inspect-0123456789abcdef';

interface Viewer {
  messages: Array<Record<string, any>>;
  /** Resolves once a message satisfies `check` (checked as messages arrive). */
  until(check: (message: Record<string, any>) => boolean): Promise<Record<string, any>>;
  raw: string[];
  /** Resolves when the relay closes the connection. */
  closed: Promise<void>;
  close(): void;
}

async function connect(url: string): Promise<Viewer> {
  const socket = new WebSocket(url);
  const messages: Array<Record<string, any>> = [];
  const raw: string[] = [];
  const waiters: Array<{ check: (m: Record<string, any>) => boolean; resolve: (m: Record<string, any>) => void }> = [];
  socket.on('message', (data) => {
    const text = String(data);
    raw.push(text);
    const message = JSON.parse(text) as Record<string, any>;
    messages.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.check(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    messages,
    raw,
    closed,
    until: (check) => {
      const found = messages.find(check);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ check, resolve }));
    },
    close: () => socket.close(),
  };
}

let relay: InspectRelay | undefined;
let engine: Switchyard | undefined;
afterEach(async () => {
  await engine?.stop();
  await relay?.close();
  engine = undefined;
  relay = undefined;
});

const isRouterDone = (message: Record<string, any>) =>
  message.type === '@xstate.snapshot' && message.snapshot?.value === 'succeeded' && typeof message.snapshot?.context?.requestId === 'string';

describe('inspect relay', () => {
  it('listens on loopback only and serves the viewer page', async () => {
    relay = await startInspectRelay();
    expect(relay.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(relay.feedUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/feed$/);
    const page = await fetch(relay.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain("'/feed'");
    expect((await fetch(new URL('/nope', relay.url))).status).toBe(404);
  });

  it('streams provider and router actors, sanitized: no credential, no actor refs', async () => {
    relay = await startInspectRelay();
    const viewer = await connect(relay.feedUrl);
    engine = createSwitchyard(
      {
        providers: [
          // Refuses connections: the request fails over, so the router's story has two attempts.
          { name: 'dead', type: 'openai', baseUrl: 'http://127.0.0.1:1/v1', apiKey: CANARY, model: 'gpt-4o', priority: 1 },
          { name: 'sim', type: 'simulated', latencyMs: 0, priority: 2 },
        ],
      },
      { env: {}, inspect: relay.inspect },
    );
    const answer = await engine.chat({ messages: [{ role: 'user', content: 'Hello' }] });
    expect(answer.provider).toBe('sim');

    const done = await viewer.until(isRouterDone);
    expect(done.snapshot.context).toMatchObject({ requestId: answer.requestId, mode: 'chat', provider: 'sim' });
    expect(done.snapshot.context.attempts.map((a: { provider: string }) => a.provider)).toEqual(['dead', 'sim']);
    expect(Object.keys(done.snapshot).sort()).toEqual(['context', 'status', 'value']);

    const providerActor = await viewer.until((m) => m.type === '@xstate.actor' && m.snapshot?.context?.name === 'dead');
    expect(Object.keys(providerActor.snapshot.context)).not.toContain('health');
    const acquire = await viewer.until((m) => m.type === '@xstate.event' && m.event?.type === 'slot.acquire');
    expect(acquire.event).not.toHaveProperty('replyTo');
    expect(acquire.event.requestId).toBe(answer.requestId);

    expect(viewer.raw.join('\n')).not.toContain(CANARY);
    viewer.close();
  });

  it('scrubs a key pasted into an operator’s disable reason, as /providers does', async () => {
    relay = await startInspectRelay();
    const viewer = await connect(relay.feedUrl);
    engine = createSwitchyard({ providers: [{ name: 'sim', type: 'simulated', latencyMs: 0 }] }, { env: {}, inspect: relay.inspect });
    engine.operate('sim', 'disable', `rotating ${CANARY}`);
    const disable = await viewer.until((m) => m.type === '@xstate.event' && m.event?.type === 'operator.disable');
    expect(disable.event.reason).toBe('rotating [REDACTED]');
    const disabled = await viewer.until((m) => m.type === '@xstate.snapshot' && m.snapshot?.value === 'disabled');
    expect(disabled.snapshot.context.disabledReason).toBe('rotating [REDACTED]');
    expect(viewer.raw.join('\n')).not.toContain(CANARY);
    viewer.close();
  });

  it('scrubs a configured credential that does not look like a key, given the gateway\'s list, as /providers does', async () => {
    const token = 'vllm-token-not-key-shaped';
    relay = await startInspectRelay(0, { secrets: () => [token] });
    const viewer = await connect(relay.feedUrl);
    engine = createSwitchyard({ providers: [{ name: 'sim', type: 'simulated', latencyMs: 0 }] }, { env: {}, inspect: relay.inspect });
    engine.operate('sim', 'disable', `rotating ${token}`);
    const disabled = await viewer.until((m) => m.type === '@xstate.snapshot' && m.snapshot?.value === 'disabled');
    expect(disabled.snapshot.context.disabledReason).toBe('rotating [REDACTED]');
    expect(viewer.raw.join('\n')).not.toContain(token);
    viewer.close();
  });

  it('shows an open provider\'s cooldown end as an ISO time on the wall clock, given the engine\'s clock', async () => {
    const clock = new VirtualClock(0);
    relay = await startInspectRelay(0, { clock });
    const viewer = await connect(relay.feedUrl);
    engine = createSwitchyard({ providers: [{ name: 'sim', type: 'simulated', latencyMs: 0 }] }, { env: {}, clock, inspect: relay.inspect });
    await clock.advance(5_000);
    engine.operate('sim', 'open');
    const open = await viewer.until((m) => m.type === '@xstate.snapshot' && m.snapshot?.value === 'open');
    // The same time /providers shows: engine time 5 s + the cooldown, on the wall clock.
    expect(open.snapshot.context.cooldownUntil).toBe(engine.providers()[0]!.cooldownUntil);
    expect(open.snapshot.context.cooldownUntil).toMatch(/^\d{4}-\d\d-\d\dT/);
    viewer.close();
  });

  it('replays recent events to a viewer that connects late', async () => {
    relay = await startInspectRelay();
    const first = await connect(relay.feedUrl);
    engine = createSwitchyard({ providers: [{ name: 'sim', type: 'simulated', latencyMs: 0 }] }, { env: {}, inspect: relay.inspect });
    await engine.chat({ messages: [{ role: 'user', content: 'Hello' }] });
    await first.until(isRouterDone);
    const late = await connect(relay.feedUrl);
    await late.until(isRouterDone);
    expect(late.messages.some((m) => m.type === '@xstate.actor' && m.snapshot?.context?.name === 'sim')).toBe(true);
    first.close();
    late.close();
  });

  it('close() disconnects viewers and frees the port', async () => {
    relay = await startInspectRelay();
    const viewer = await connect(relay.feedUrl);
    await relay.close();
    await viewer.closed;
    await expect(fetch(relay.url)).rejects.toThrow();
    relay = undefined;
  });
});

describe('sanitizers', () => {
  it('keep only an event’s primitive fields', () => {
    expect(sanitizeEvent({ type: 'slot.acquire', at: 5, requestId: 'r1', panic: true, replyTo: { send() {} }, nested: { apiKey: CANARY } })).toEqual({
      type: 'slot.acquire',
      at: 5,
      requestId: 'r1',
      panic: true,
    });
  });

  it('keep a whitelist of a provider’s and a router’s context, and nothing of an unknown actor', () => {
    const provider = sanitizeContext({ name: 'p', health: { cooldownMs: 1 }, generation: 2, inFlight: 1, stats: { requests: 3 }, window: {}, rng: 9 });
    expect(provider).toMatchObject({ name: 'p', generation: 2, inFlight: 1, stats: { requests: 3 } });
    expect(provider).not.toHaveProperty('health');
    expect(provider).not.toHaveProperty('rng');
    const router = sanitizeContext({
      input: { requestId: 'r1', mode: 'stream', candidates: [{ handle: { config: { apiKey: CANARY } } }] },
      attempts: [],
      current: { candidate: { name: 'p' } },
    });
    expect(router).toEqual({ requestId: 'r1', mode: 'stream', attempts: [], provider: 'p' });
    expect(sanitizeContext({ apiKey: CANARY })).toEqual({});
  });
});
