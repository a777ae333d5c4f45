/**
 * An application's own outage tests, written as docs/testing.md tells a user to write them:
 * everything imported from the package entry, simulated providers on a `VirtualClock`, no
 * real sleep. It guards the public surface those tests need.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createSimulatedAdapter,
  createSwitchyard,
  ProviderError,
  RequestError,
  VirtualClock,
  type AdapterFactory,
  type Incident,
  type RequestFinishedEvent,
  type StateChangedEvent,
  type StreamPart,
  type Switchyard,
  type SwitchyardOptions,
} from '../../src/index.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const hello = { messages: [{ role: 'user' as const, content: 'Hello' }], maxTokens: 20 };
/** The primary returns 503 from 10 s to 70 s after the engine starts. */
const outage: Incident = { at: 10, for: 60, mode: 'error' };

let clock: VirtualClock;
let engine: Switchyard;
let changes: StateChangedEvent[];
let finished: RequestFinishedEvent[];

function start(primaryIncidents: Incident[], options: SwitchyardOptions = {}): void {
  engine = createSwitchyard(
    {
      providers: [
        { name: 'primary', type: 'simulated', priority: 1, latencyMs: 100, incidents: primaryIncidents },
        { name: 'backup', type: 'simulated', priority: 2, latencyMs: 300 },
      ],
      routes: { default: { providers: ['primary', 'backup'], strategy: 'priority' } },
      health: { consecutiveFailures: 3, cooldownMs: 5000 },
    },
    { clock, seed: 7, ...options },
  );
  engine.on('state.changed', (event) => changes.push(event));
  engine.on('request.finished', (event) => finished.push(event));
}

const primary = () => engine.providers().find((status) => status.name === 'primary')!;
/** Moves the clock to `seconds` after the engine started. */
const at = (seconds: number) => clock.advance(T0 + seconds * 1000 - clock.now());
async function read(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  await clock.settle((async () => {
    for await (const part of stream) parts.push(part);
  })());
  return parts;
}

beforeEach(() => {
  clock = new VirtualClock(T0);
  changes = [];
  finished = [];
});

afterEach(async () => {
  await engine.stop();
  expect(engine.inFlight).toBe(0);
  expect(clock.pending).toBe(0);
});

describe('a primary outage, as an application tests it', () => {
  it('fails over at once, opens the breaker, and comes back once the outage ends', async () => {
    start([outage]);
    expect((await clock.settle(engine.chat(hello))).provider).toBe('primary');

    await at(10);
    const during = await clock.settle(engine.chat(hello));
    expect(during.provider).toBe('backup');
    expect(during.attempts.map((a) => [a.provider, a.kind, a.status])).toEqual([
      ['primary', 'server', 503],
      ['backup', 'ok', 200],
    ]);
    await clock.settle(engine.chat(hello));
    await clock.settle(engine.chat(hello));
    expect(primary()).toMatchObject({ state: 'open', selectable: false, consecutiveFailures: 3 });
    expect(changes.map((c) => [c.provider, c.from, c.to])).toEqual([['primary', 'healthy', 'open']]);
    // Open: straight to the backup, no call wasted on the primary.
    expect((await clock.settle(engine.chat(hello))).attempts).toHaveLength(1);

    await at(70);
    for (let i = 0; i < 100 && primary().state !== 'healthy'; i++) {
      await clock.settle(engine.chat(hello));
      await clock.advance(1000);
    }
    expect(primary().state).toBe('healthy');
    expect(changes.map((c) => c.to)).toEqual(['open', 'half_open', 'healthy']);
    expect(changes.at(-1)!.at).toBeGreaterThanOrEqual(T0 + 70_000);
    expect(finished.length).toBeGreaterThan(5);
    expect(finished.every((event) => event.status === 'ok' && event.answered)).toBe(true);
  });

  it('rejects with a RequestError listing every attempt when nothing can answer', async () => {
    start([outage]);
    engine.operate('backup', 'disable', 'maintenance');
    await at(10);
    const error = await clock.settle(engine.chat(hello)).catch((caught: unknown) => caught);
    expect(RequestError.is(error)).toBe(true);
    expect(error).toMatchObject({ code: 'all_attempts_failed' });
    expect((error as RequestError).attempts.map((a) => a.status)).toEqual([503, 503, 503]);
    expect(finished.at(-1)).toMatchObject({ status: 'all_attempts_failed', answered: false, provider: 'primary' });
  });

  it('fails a stream over before its first part, invisibly', async () => {
    start([outage]);
    await at(10);
    const stream = engine.stream(hello);
    const parts = await read(stream);
    expect(parts.at(-1)).toMatchObject({ type: 'finish' });
    expect(await stream.info).toMatchObject({ provider: 'backup', failedAttempts: 1 });
  });

  it('ends a stream that fails after its first part with one error part, without failover', async () => {
    // The simulated provider fails only before a first part: wrap it to cut the primary's stream.
    const cutAfterTwoParts: AdapterFactory = (settings, environment) => {
      const adapter = createSimulatedAdapter(settings, environment);
      if (settings.name !== 'primary') return adapter;
      return {
        ...adapter,
        async *stream(request, context) {
          let sent = 0;
          for await (const part of adapter.stream(request, context)) {
            if (sent++ === 2) throw new ProviderError({ provider: settings.name, kind: 'network', message: 'connection reset' });
            yield part;
          }
        },
      };
    };
    start([], { adapters: { simulated: cutAfterTwoParts } });
    const parts = await read(engine.stream(hello));
    expect(parts.map((part) => part.type)).toEqual(['text-delta', 'text-delta', 'error']);
    const last = parts[2]!;
    expect(last.type === 'error' && RequestError.is(last.error) && last.error.code).toBe('all_attempts_failed');
    expect(finished).toHaveLength(1);
    expect(finished[0]).toMatchObject({ provider: 'primary', answered: true, stream: true, status: 'all_attempts_failed' });
    expect(finished[0]!.attempts).toEqual([expect.objectContaining({ provider: 'primary', kind: 'network' })]);
  });

  it('stops with a request hung on a dead provider, leaving no timer', async () => {
    start([{ at: 0, for: 3600, mode: 'timeout' }]);
    const hung = engine.chat(hello).catch((caught: unknown) => caught);
    await clock.advance(1000);
    expect(engine.inFlight).toBe(1);
    await engine.stop();
    expect(await hung).toMatchObject({ code: 'stopped' });
  });
});
