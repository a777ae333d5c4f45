/**
 * The engine over time: breaker behaviour seen through the library API, state-change
 * events, configuration updates that keep health, and active health checks.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import type { StateChangedEvent } from '../../src/engine/events.js';
import { createSwitchyard, type Switchyard } from '../../src/engine/switchyard.js';
import type { AdapterFactory } from '../../src/core/adapter.js';
import { ProviderError } from '../../src/core/errors.js';
import { scriptedAdapters } from '../helpers/scripted-adapter.js';
import { settle } from '../helpers/virtual.js';

const hello = { messages: [{ role: 'user' as const, content: 'Hello' }] };
let engine: Switchyard | undefined;
afterEach(async () => {
  vi.restoreAllMocks();
  await engine?.stop();
  engine = undefined;
});

const baseConfig = {
  providers: [
    { name: 'a', type: 'simulated', priority: 1 },
    { name: 'b', type: 'simulated', priority: 2 },
  ],
  health: { consecutiveFailures: 3, cooldownMs: 10_000, maxCooldownMs: 60_000, halfOpenProbes: 1 },
  seed: 5,
};

/** Adapters that answer every chat at once and run `check` as their health check. */
function checkingAdapters(check: (settings: Parameters<AdapterFactory>[0]) => Promise<void>): AdapterFactory {
  return (settings) => ({
    chat: async () => ({ id: '1', model: settings.model, content: 'ok', finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: 1, outputTokens: 1 } }),
    stream: () => {
      throw new Error('unused');
    },
    check: () => check(settings),
  });
}

describe('engine lifecycle', () => {
  it('does not count client aborts or 429s against a provider\'s success rate', async () => {
    const clock = new VirtualClock(0);
    const scripted = scriptedAdapters({ a: (i) => (i === 0 ? { type: 'ok' } : i === 1 ? { type: 'hang' } : { type: 'fail', kind: 'rate_limit', status: 429 }) });
    engine = createSwitchyard(baseConfig, { clock, adapters: { simulated: scripted.factory } });
    await settle(clock, engine.chat(hello));
    const controller = new AbortController();
    const aborted = engine.chat(hello, { signal: controller.signal });
    await clock.advance(10);
    controller.abort();
    await expect(settle(clock, aborted)).rejects.toMatchObject({ code: 'aborted' });
    await settle(clock, engine.chat(hello)); // a 429 from a, answered by b
    expect(engine.providers()[0]).toMatchObject({ name: 'a', requests: 3, failures: 0, successRate: 1 });
  });

  it('returns a slot granted to a request that ended while the provider was deciding', async () => {
    const clock = new VirtualClock(0);
    const scripted = scriptedAdapters({});
    const controller = new AbortController();
    // An inspection observer runs inside the provider's step: abort the request right there.
    const inspect = (event: { type: string; event?: { type: string } }) => {
      if (event.type === '@xstate.event' && event.event?.type === 'slot.acquire') controller.abort();
    };
    engine = createSwitchyard(baseConfig, { clock, adapters: { simulated: scripted.factory }, inspect });
    await expect(settle(clock, engine.chat(hello, { signal: controller.signal }))).rejects.toMatchObject({ code: 'aborted' });
    expect(scripted.callsTo('a') + scripted.callsTo('b')).toBe(0);
    expect(engine.providers().map((p) => p.inFlight)).toEqual([0, 0]);
    expect(engine.inFlight).toBe(0);
  });

  it('opens a failing provider, stops calling it during the cooldown, then probes and recovers', async () => {
    const clock = new VirtualClock(0);
    const scripted = scriptedAdapters({ a: { type: 'fail', kind: 'server', status: 500 } });
    engine = createSwitchyard(baseConfig, { clock, adapters: { simulated: scripted.factory } });
    const changes: StateChangedEvent[] = [];
    engine.on('state.changed', (event) => changes.push(event));

    for (let i = 0; i < 10; i++) expect((await settle(clock, engine.chat(hello))).provider).toBe('b');
    expect(scripted.callsTo('a')).toBe(3); // the breaker opened after 3 consecutive failures
    expect(engine.providers()[0]).toMatchObject({ state: 'open', selectable: false, consecutiveFailures: 3 });
    expect(engine.providers()[0]!.cooldownUntil).not.toBeNull();
    expect(changes.map((c) => `${c.provider}:${c.from}->${c.to}`)).toEqual(['a:healthy->open']);

    scripted.set('a', { type: 'ok' });
    await clock.advance(11_000); // past the jittered cooldown (≤ 11 s)
    expect(engine.providers()[0]!.state).toBe('half_open');
    expect((await settle(clock, engine.chat(hello))).provider).toBe('a'); // the probe
    expect(engine.providers()[0]!.state).toBe('healthy');
    expect(changes.map((c) => `${c.from}->${c.to}`)).toEqual(['healthy->open', 'open->half_open', 'half_open->healthy']);
  });

  it('applies a new configuration, keeping the health of providers whose upstream is unchanged', async () => {
    const clock = new VirtualClock(0);
    const scripted = scriptedAdapters({});
    engine = createSwitchyard(baseConfig, { clock, adapters: { simulated: scripted.factory } });
    engine.operate('a', 'open');
    engine.updateConfig({
      ...baseConfig,
      providers: [...baseConfig.providers, { name: 'c', type: 'simulated', priority: 0 }],
      health: { ...baseConfig.health, consecutiveFailures: 7 },
    });
    expect(engine.providers().map((p) => [p.name, p.state])).toEqual([
      ['a', 'open'],
      ['b', 'healthy'],
      ['c', 'healthy'],
    ]);
    expect((await settle(clock, engine.chat(hello))).provider).toBe('c');
    expect(engine.models().providers).toEqual(['a', 'b', 'c']);

    engine.updateConfig({ ...baseConfig, providers: [baseConfig.providers[1]!] });
    expect(engine.providers().map((p) => p.name)).toEqual(['b']);
    expect((await settle(clock, engine.chat(hello))).provider).toBe('b');
  });

  it('measures a call across a wall-clock step on the real clock, and shows its times on the wall clock', async () => {
    const wall = Date.now;
    let stepped = false;
    // A call during which the wall clock is stepped back an hour (NTP, an operator, a VM).
    const factory: AdapterFactory = (settings) => ({
      chat: async () => {
        vi.spyOn(Date, 'now').mockImplementation(() => wall() - 3_600_000);
        stepped = true;
        return { id: '1', model: settings.model, content: 'ok', finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: 1, outputTokens: 1 } };
      },
      stream: () => {
        throw new Error('unused');
      },
    });
    engine = createSwitchyard(baseConfig, { adapters: { simulated: factory } });
    const finished: number[] = [];
    engine.on('request.finished', (event) => finished.push(event.latencyMs));
    const result = await engine.chat(hello);
    expect(stepped).toBe(true);
    expect(result.attempts[0]!.latencyMs).toBeGreaterThanOrEqual(0);
    expect(result.attempts[0]!.latencyMs).toBeLessThan(1_000);
    expect(finished[0]).toBeGreaterThanOrEqual(0);
    expect(engine.providers()[0]!.latencyMs).toBeGreaterThanOrEqual(0);
    // A cooldown's end, shown as an ISO time, is on the (stepped) wall clock.
    engine.operate('a', 'open');
    const until = Date.parse(engine.providers()[0]!.cooldownUntil!) - Date.now();
    expect(until).toBeGreaterThan(8_000);
    expect(until).toBeLessThan(12_000);
  });

  it('keeps a round-robin route\'s position across a reload', async () => {
    const clock = new VirtualClock(0);
    const config = { ...baseConfig, providers: [...baseConfig.providers, { name: 'c', type: 'simulated' }], routes: { default: { providers: ['a', 'b', 'c'], strategy: 'round-robin' } } };
    engine = createSwitchyard(config, { clock });
    const next = async () => (await settle(clock, engine!.chat(hello))).provider;
    expect([await next(), await next()]).toEqual(['a', 'b']);
    engine.updateConfig(config); // an unchanged file, reloaded
    expect([await next(), await next()]).toEqual(['c', 'a']);
  });

  describe('a reload while requests are under way', () => {
    /** The base providers on upstream `model`: another model is another upstream (fresh actors and adapters). */
    const onModel = (model: string, providers = baseConfig.providers) => ({ ...baseConfig, providers: providers.map((p) => ({ ...p, model })) });
    const stoppedActorWarnings = (warn: { mock: { calls: unknown[][] } }) => warn.mock.calls.filter(([message]) => String(message).includes('stopped actor'));

    it('sends a request\'s later attempts to the providers that replaced its own, and its earlier outcome to the one it came from', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      const clock = new VirtualClock(0);
      const scripted = scriptedAdapters({ a: { type: 'fail', kind: 'server', status: 500, latencyMs: 100 } });
      engine = createSwitchyard(onModel('m1'), { clock, adapters: { simulated: scripted.factory } });
      const answer = engine.chat(hello);
      await clock.advance(50); // a's call is under way
      engine.updateConfig(onModel('m2')); // both replaced
      // The call still runs on the old a: the provider named a has it in flight.
      expect(engine.providers().map((p) => [p.name, p.inFlight])).toEqual([
        ['a', 1],
        ['b', 0],
      ]);
      const result = await settle(clock, answer);
      expect(result).toMatchObject({ provider: 'b', model: 'm2' });
      expect(result.attempts.map((attempt) => [attempt.provider, attempt.kind])).toEqual([
        ['a', 'server'],
        ['b', 'ok'],
      ]);
      // a's failure went to the actor that granted its slot, not to the new a.
      expect(engine.providers().map((p) => [p.name, p.requests, p.failures, p.inFlight])).toEqual([
        ['a', 0, 0, 0],
        ['b', 1, 0, 0],
      ]);
      expect(stoppedActorWarnings(warn)).toEqual([]);
    });

    it('prices an answer and times an attempt by the provider it ran on, not by what replaced it', async () => {
      const clock = new VirtualClock(0);
      const scripted = scriptedAdapters({ a: (i) => (i === 0 ? { type: 'ok', latencyMs: 100 } : { type: 'hang' }) }); // 10 input tokens
      const onA = (model: string, inputPerMTok: number, timeoutMs: number) => ({
        ...baseConfig,
        routing: { maxAttempts: 1 },
        providers: [{ name: 'a', type: 'simulated', model, timeoutMs, pricing: { inputPerMTok, outputPerMTok: 0 } }],
      });
      engine = createSwitchyard(onA('cheap', 1_000_000, 1_000), { clock, adapters: { simulated: scripted.factory } });
      const answer = engine.chat(hello);
      await clock.advance(50);
      engine.updateConfig(onA('dear', 100_000_000, 7_000));
      expect(await settle(clock, answer)).toMatchObject({ model: 'cheap', costUsd: 10 });

      engine.updateConfig(onA('m1', 0, 1_000));
      const hung = engine.chat(hello);
      await clock.advance(10);
      engine.updateConfig(onA('m2', 0, 7_000));
      const error = await settle(clock, hung).catch((thrown: unknown) => thrown);
      expect(error).toMatchObject({ attempts: [{ provider: 'a', kind: 'timeout', latencyMs: 1_000 }] });
      expect(String((error as Error).message)).toContain('no answer within 1000 ms');
    });

    it('moves an attempt planned in the same tick as the reload to the new provider, and its planned count with it', async () => {
      const clock = new VirtualClock(0);
      const scripted = scriptedAdapters({});
      engine = createSwitchyard(onModel('m1'), { clock, adapters: { simulated: scripted.factory } });
      const answer = engine.chat(hello); // planned on a; asks for its slot in a promise job
      engine.updateConfig(onModel('m2'));
      expect(await settle(clock, answer)).toMatchObject({ provider: 'a', model: 'm2', attempts: [{ provider: 'a', kind: 'ok' }] });
      expect(engine.providers().map((p) => p.inFlight)).toEqual([0, 0]);
      expect(engine.providers()[0]).toMatchObject({ requests: 1, failures: 0 });
    });

    it('does not send a request to a replacement that cannot take it (a smaller context window)', async () => {
      const clock = new VirtualClock(0);
      const scripted = scriptedAdapters({ a: { type: 'fail', kind: 'server', status: 500, latencyMs: 100 } });
      engine = createSwitchyard(onModel('m1'), { clock, adapters: { simulated: scripted.factory } });
      const answer = engine.chat(hello);
      await clock.advance(50); // a's call is under way; b is next
      const [a, b] = baseConfig.providers;
      engine.updateConfig({ ...baseConfig, providers: [a!, { ...b!, model: 'tiny', contextWindow: 1 }] });
      // The request's estimate does not fit the new b's window: b is skipped, as it would have
      // been had the request started after the reload, and a is retried instead.
      const error = await settle(clock, answer).catch((thrown: unknown) => thrown as { attempts: { provider: string }[] });
      expect(error.attempts.map((attempt) => attempt.provider)).toEqual(['a', 'a', 'a']);
      expect(scripted.callsTo('b')).toBe(0);
      expect(engine.providers().map((p) => p.inFlight)).toEqual([0, 0]);
    });

    it('does not send a request to a provider a reload kept but gave a window the request no longer fits', async () => {
      const clock = new VirtualClock(0);
      const scripted = scriptedAdapters({ a: { type: 'fail', kind: 'server', status: 500, latencyMs: 100 } });
      engine = createSwitchyard(baseConfig, { clock, adapters: { simulated: scripted.factory } });
      const answer = engine.chat(hello);
      await clock.advance(50);
      const [a, b] = baseConfig.providers;
      // Same upstream (b keeps its actor and adapter), a smaller window.
      engine.updateConfig({ ...baseConfig, providers: [a!, { ...b!, contextWindow: 1 }] });
      const error = await settle(clock, answer).catch((thrown: unknown) => thrown as { attempts: { provider: string }[] });
      expect(error.attempts.map((attempt) => attempt.provider)).toEqual(['a', 'a', 'a']);
      expect(scripted.callsTo('b')).toBe(0);
    });

    it('counts the calls still running on a replaced actor as its provider\'s load (least-busy, /providers)', async () => {
      const clock = new VirtualClock(0);
      const scripted = scriptedAdapters({ a: (i) => (i === 0 ? { type: 'ok', latencyMs: 1_000 } : { type: 'ok', latencyMs: 0 }) });
      const leastBusy = (model: string) => ({ ...onModel(model), routes: { default: { providers: ['a', 'b'], strategy: 'least-busy' } } });
      engine = createSwitchyard(leastBusy('m1'), { clock, adapters: { simulated: scripted.factory } });
      const slow = engine.chat(hello); // on a, under way for 1 s
      await clock.advance(10);
      engine.updateConfig(leastBusy('m2')); // a and b replaced; a's call still runs on the old a
      // a has one call in flight, b none: least-busy sends the next request to b.
      expect((await settle(clock, engine.chat(hello))).provider).toBe('b');
      await settle(clock, slow);
      expect(engine.providers().map((p) => p.inFlight)).toEqual([0, 0]);
    });

    it('counts the calls still running on a removed provider\'s actor once the provider is added back, once', async () => {
      const clock = new VirtualClock(0);
      const scripted = scriptedAdapters({ a: (i) => (i === 0 ? { type: 'ok', latencyMs: 1_000 } : { type: 'ok', latencyMs: 0 }) });
      const both = { ...onModel('m1'), routes: { default: { providers: ['a', 'b'], strategy: 'least-busy' } } };
      const onlyB = { ...baseConfig, providers: [baseConfig.providers[1]!], routes: { default: { providers: ['b'] } } };
      engine = createSwitchyard(both, { clock, adapters: { simulated: scripted.factory } });
      const slow = engine.chat(hello); // on a, under way for 1 s
      await clock.advance(10);
      engine.updateConfig(onlyB); // a removed while its call runs
      engine.updateConfig(both); // and added back
      expect(engine.providers().map((p) => [p.name, p.inFlight])).toEqual([['a', 1], ['b', 0]]);
      engine.updateConfig({ ...both, providers: both.providers.map((p) => ({ ...p, model: 'm3' })) }); // replaced again: still one call, not two
      expect(engine.providers().map((p) => [p.name, p.inFlight])).toEqual([['a', 1], ['b', 0]]);
      engine.updateConfig(onlyB); // removed a second time, with the call still on the first actor
      engine.updateConfig(both);
      expect(engine.providers().map((p) => [p.name, p.inFlight])).toEqual([['a', 1], ['b', 0]]);
      expect((await settle(clock, engine.chat(hello))).provider).toBe('b');
      await settle(clock, slow);
      expect(engine.providers().map((p) => p.inFlight)).toEqual([0, 0]);
    });

    it('never tries a provider that a reload removed, and stops its actor once its last attempt reported', async () => {
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      const clock = new VirtualClock(0);
      const scripted = scriptedAdapters({ a: { type: 'fail', kind: 'server', status: 500, latencyMs: 100 } });
      const changes: StateChangedEvent[] = [];
      engine = createSwitchyard({ ...baseConfig, health: { ...baseConfig.health, consecutiveFailures: 1 } }, { clock, adapters: { simulated: scripted.factory } });
      engine.on('state.changed', (event) => changes.push(event));
      const answer = engine.chat(hello);
      await clock.advance(50);
      engine.updateConfig({ ...baseConfig, providers: [{ name: 'c', type: 'simulated' }], routes: { default: { providers: ['c'] } } });
      // The request keeps its route (a, then b): a failed and b is gone.
      await expect(settle(clock, answer)).rejects.toMatchObject({ attempts: [{ provider: 'a', kind: 'server' }] });
      expect(scripted.callsTo('b')).toBe(0);
      // The old a took the failure that opens it (one is enough here) and stopped: no event for a provider that is gone.
      expect(changes).toEqual([]);
      expect(stoppedActorWarnings(warn)).toEqual([]);
      expect((await settle(clock, engine.chat(hello))).provider).toBe('c');
    });
  });

  it('applies a reload all or nothing: an adapter factory that throws leaves every provider as it was', async () => {
    const clock = new VirtualClock(0);
    const scripted = scriptedAdapters({});
    const factory: AdapterFactory = (settings, environment) => {
      if (settings.model === 'broken') throw new Error('cannot build an adapter for model broken');
      return scripted.factory(settings, environment);
    };
    engine = createSwitchyard(baseConfig, { clock, adapters: { simulated: factory } });
    const update = {
      ...baseConfig,
      providers: [
        { name: 'a', type: 'simulated', priority: 5 },
        { name: 'b', type: 'simulated', priority: 2, model: 'broken' },
      ],
    };
    expect(() => engine!.updateConfig(update)).toThrow('cannot build an adapter for model broken');
    expect(engine.config.providers.map((p) => p.priority)).toEqual([1, 2]);
    expect(engine.providers().map((p) => [p.name, p.state, p.selectable])).toEqual([
      ['a', 'healthy', true],
      ['b', 'healthy', true],
    ]);
    // b's actor was not stopped half-way: it still answers.
    expect((await settle(clock, engine.chat({ ...hello, model: 'b' }))).provider).toBe('b');
    expect((await settle(clock, engine.chat(hello))).provider).toBe('a');
  });

  it('builds a new adapter only for a changed upstream, and closes replaced ones once their requests are over', async () => {
    const clock = new VirtualClock(0);
    const scripted = scriptedAdapters({});
    const built: string[] = [];
    const closed: string[] = [];
    const factory: AdapterFactory = (settings, environment) => {
      const id = `${settings.name}:${settings.model}:${JSON.stringify(settings.headers)}`;
      built.push(id);
      return { ...scripted.factory(settings, environment), close: async () => void closed.push(id) };
    };
    const config = { ...baseConfig, routing: { deadlineMs: 30_000 } };
    engine = createSwitchyard(config, { clock, adapters: { simulated: factory } });
    expect(built).toHaveLength(2);
    // A priority or health change is not a new upstream: same adapter, same actor.
    engine.updateConfig({ ...config, providers: [{ name: 'a', type: 'simulated', priority: 3 }, baseConfig.providers[1]!] });
    expect(built).toHaveLength(2);
    // A credential header is: a fresh actor, so a provider disabled for a bad key comes back.
    engine.operate('b', 'disable', 'auth: HTTP 401');
    engine.updateConfig({ ...config, providers: [baseConfig.providers[0]!, { name: 'b', type: 'simulated', priority: 2, headers: { 'api-key': 'fixed' } }] });
    expect(built).toHaveLength(3);
    expect(engine.providers().find((p) => p.name === 'b')!.state).toBe('healthy');
    // The replaced adapter is closed after the longest deadline a request under way may have.
    expect(closed).toEqual([]);
    await clock.advance(30_000);
    expect(closed).toEqual(['b:b:{}']);
    // A removed provider's adapter too; stop() closes the rest at once.
    engine.updateConfig({ ...config, providers: [baseConfig.providers[0]!] });
    await engine.stop();
    expect(closed.sort()).toEqual(['a:a:{}', 'b:b:{"api-key":"fixed"}', 'b:b:{}']);
    expect(clock.pending).toBe(0);
  });

  it('leaves every provider as it was when building a new actor fails during a reload', async () => {
    const clock = new VirtualClock(0);
    let armed = false;
    const inspect = (event: { type: string }) => {
      if (armed && event.type === '@xstate.actor') throw new Error('inspector down');
    };
    engine = createSwitchyard(baseConfig, { clock, adapters: { simulated: scriptedAdapters({}).factory }, inspect });
    armed = true;
    expect(() => engine!.updateConfig({ ...baseConfig, providers: [{ ...baseConfig.providers[0]!, model: 'a2' }, baseConfig.providers[1]!] })).toThrow('inspector down');
    armed = false;
    expect(engine.providers().map((p) => [p.name, p.state, p.selectable])).toEqual([
      ['a', 'healthy', true],
      ['b', 'healthy', true],
    ]);
    expect((await settle(clock, engine.chat({ ...hello, model: 'a' }))).provider).toBe('a');
  });

  it('reports, never throws, an adapter close that fails, and closes an adapter shared by two providers once', async () => {
    const clock = new VirtualClock(0);
    const scripted = scriptedAdapters({});
    const closed = new Map<string, number>();
    const adapter = (id: string, settings: Parameters<AdapterFactory>[0], environment: Parameters<AdapterFactory>[1]) => ({
      ...scripted.factory(settings, environment),
      close: async () => void closed.set(id, (closed.get(id) ?? 0) + 1),
    });
    let shared: ReturnType<typeof adapter> | undefined;
    const factory: AdapterFactory = (settings, environment) => {
      if (settings.model === 'broken') throw new Error('cannot build');
      if (settings.model.endsWith('-rejecting')) return { ...scripted.factory(settings, environment), close: () => Promise.reject(new Error('close failed')) };
      // Both initial providers get the same adapter object (a factory may pool them).
      if (settings.model === settings.name) return (shared ??= adapter('shared', settings, environment));
      return adapter(settings.model, settings, environment);
    };
    engine = createSwitchyard(baseConfig, { clock, adapters: { simulated: factory } });
    // The first provider's new adapter is built, then the second fails: the first is closed, quietly.
    expect(() => engine!.updateConfig({ ...baseConfig, providers: [{ ...baseConfig.providers[0]!, model: 'a-rejecting' }, { ...baseConfig.providers[1]!, model: 'broken' }] })).toThrow('cannot build');
    await clock.advance(0);
    // Both providers replaced: the shared adapter is retired twice, closed once.
    engine.updateConfig({ ...baseConfig, providers: [{ ...baseConfig.providers[0]!, model: 'a2' }, { ...baseConfig.providers[1]!, model: 'b2' }] });
    await engine.stop();
    expect(clock.pending).toBe(0);
    expect(Object.fromEntries(closed)).toEqual({ shared: 1, a2: 1, b2: 1 });
  });

  it('never closes an adapter a pooling factory hands out again while a provider uses it', async () => {
    const clock = new VirtualClock(0);
    const scripted = scriptedAdapters({});
    const closes = new Map<string, number>();
    const pool = new Map<string, ReturnType<AdapterFactory>>();
    const factory: AdapterFactory = (settings, environment) => {
      if (settings.model === 'broken') throw new Error('cannot build');
      let adapter = pool.get(settings.model);
      if (adapter === undefined) {
        adapter = { ...scripted.factory(settings, environment), close: async () => void closes.set(settings.model, (closes.get(settings.model) ?? 0) + 1) };
        pool.set(settings.model, adapter);
      }
      return adapter;
    };
    const config = { ...baseConfig, routing: { deadlineMs: 10_000 } };
    engine = createSwitchyard(config, { clock, adapters: { simulated: factory } });
    engine.updateConfig({ ...config, providers: [{ ...baseConfig.providers[0]!, model: 'a2' }, baseConfig.providers[1]!] }); // a's adapter retired
    engine.updateConfig(config); // and handed out again
    await clock.advance(10_001);
    expect(closes.get('a')).toBeUndefined();
    // A reload that fails after the factory returned a live provider's adapter closes nothing live.
    expect(() => engine!.updateConfig({ ...config, providers: [{ ...baseConfig.providers[0]!, model: 'b' }, baseConfig.providers[1]!, { name: 'c', type: 'simulated', model: 'broken' }] })).toThrow('cannot build');
    await clock.advance(0);
    expect(closes.get('b')).toBeUndefined();
    expect((await settle(clock, engine.chat({ ...hello, model: 'b' }))).provider).toBe('b');
    await engine.stop();
    expect(Object.fromEntries(closes)).toEqual({ a: 1, a2: 1, b: 1 });
    expect(clock.pending).toBe(0);
  });

  it('resolves every stop() call only once everything is closed, the second as late as the first', async () => {
    const scripted = scriptedAdapters({});
    let closed = false;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const factory: AdapterFactory = (settings, environment) => ({ ...scripted.factory(settings, environment), close: () => gate.then(() => void (closed = true)) });
    engine = createSwitchyard(baseConfig, { clock: new VirtualClock(0), adapters: { simulated: factory } });
    const first = engine.stop();
    let secondDone = false;
    const second = engine.stop().then(() => void (secondDone = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(secondDone).toBe(false);
    release();
    await Promise.all([first, second]);
    expect(closed).toBe(true);
  });

  it('exposes its configuration frozen: no edit can bypass validation', async () => {
    const clock = new VirtualClock(0);
    engine = createSwitchyard(baseConfig, { clock });
    expect(() => {
      (engine!.config.routing as { maxAttempts: number }).maxAttempts = 0;
    }).toThrow(TypeError);
    expect(engine.config.routing.maxAttempts).toBeGreaterThan(0);
    expect((await settle(clock, engine.chat(hello))).provider).toBe('a');
  });

  it('refuses an unknown operator action instead of ignoring it', () => {
    engine = createSwitchyard(baseConfig, { clock: new VirtualClock(0) });
    expect(() => engine!.operate('a', 'explode' as never)).toThrow(expect.objectContaining({ code: 'invalid_action' }));
    expect(engine.providers()[0]!.state).toBe('healthy');
  });

  it('does not keep the process alive to close a retired adapter (the real clock\'s timer is unref\'d)', async () => {
    const scripted = scriptedAdapters({});
    const factory: AdapterFactory = (settings, environment) => ({ ...scripted.factory(settings, environment), close: async () => {} });
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    engine = createSwitchyard({ ...baseConfig, health: { ...baseConfig.health, probeIntervalMs: 0 } }, { adapters: { simulated: factory } });
    const before = timers();
    engine.updateConfig({ ...baseConfig, health: { ...baseConfig.health, probeIntervalMs: 0 }, providers: [{ ...baseConfig.providers[0]!, model: 'a2' }, baseConfig.providers[1]!] });
    expect(timers()).toBe(before);
  });

  it('leaves every provider as it was when starting a new actor fails during a reload', async () => {
    const clock = new VirtualClock(0);
    let armed = false;
    const inspect = (event: { type: string; event?: { type?: string } }) => {
      if (armed && event.type === '@xstate.event' && event.event?.type === 'xstate.init') throw new Error('inspector down');
    };
    engine = createSwitchyard(baseConfig, { clock, adapters: { simulated: scriptedAdapters({}).factory }, inspect });
    armed = true;
    expect(() => engine!.updateConfig({ ...baseConfig, providers: [{ ...baseConfig.providers[0]!, model: 'a2' }, { ...baseConfig.providers[1]!, model: 'b2' }] })).toThrow('inspector down');
    armed = false;
    expect(engine.config.providers.map((p) => p.model)).toEqual(['a', 'b']);
    expect((await settle(clock, engine.chat({ ...hello, model: 'a' }))).provider).toBe('a');
    expect((await settle(clock, engine.chat({ ...hello, model: 'b' }))).provider).toBe('b');
  });

  it('refuses reloads and operator actions once stopped, leaving nothing running', async () => {
    const clock = new VirtualClock(0);
    engine = createSwitchyard(baseConfig, { clock });
    await engine.stop();
    expect(() => engine!.updateConfig({ ...baseConfig, health: { probeIntervalMs: 1000 } })).toThrow(expect.objectContaining({ code: 'stopped' }));
    expect(() => engine!.operate('a', 'open')).toThrow(expect.objectContaining({ code: 'stopped' }));
    expect(clock.pending).toBe(0);
  });

  it('refuses a listener for an event it does not emit, naming the ones it does', () => {
    engine = createSwitchyard(baseConfig, { clock: new VirtualClock(0) });
    expect(() => engine!.on('request.finish' as never, () => undefined)).toThrow('unknown event "request.finish": expected one of "request.finished", "attempt.finished", "state.changed"');
    expect(() => engine!.on('toString' as never, () => undefined)).toThrow(/unknown event "toString"/);
  });

  it('rejects an invalid configuration update and keeps running on the old one', async () => {
    const clock = new VirtualClock(0);
    const scripted = scriptedAdapters({});
    engine = createSwitchyard(baseConfig, { clock, adapters: { simulated: scripted.factory } });
    expect(() => engine!.updateConfig({ providers: [{ name: 'a', type: 'simulated', wieght: 2 }] })).toThrow(/providers\[0\]\.wieght/);
    expect(engine.providers().map((p) => p.name)).toEqual(['a', 'b']);
    expect((await settle(clock, engine.chat(hello))).provider).toBe('a');
  });

  it('announces each applied configuration update once (config.updated), never a refused one', async () => {
    const clock = new VirtualClock(1_000);
    engine = createSwitchyard(baseConfig, { clock });
    const updates: number[] = [];
    engine.on('config.updated', (event) => updates.push(event.at));
    engine.updateConfig({ ...baseConfig, routing: { maxAttempts: 2 } });
    expect(() => engine!.updateConfig({ ...baseConfig, routing: { maxAttempts: -1 } })).toThrow();
    await clock.advance(500);
    engine.updateConfig(engine.config);
    expect(updates).toEqual([1_000, 1_500]);
  });

  it('runs active health checks every probeIntervalMs; a passing check never ends a cooldown early', async () => {
    const clock = new VirtualClock(0);
    let healthy = false;
    const checks: string[] = [];
    const factory = checkingAdapters(async (settings) => {
      checks.push(settings.name);
      if (!healthy) throw new ProviderError({ provider: settings.name, kind: 'server', message: 'down', status: 503 });
    });
    engine = createSwitchyard({ ...baseConfig, health: { ...baseConfig.health, probeIntervalMs: 5_000, cooldownMs: 60_000, maxCooldownMs: 120_000 } }, { clock, adapters: { simulated: factory } });
    engine.operate('a', 'open');
    await clock.advance(5_000);
    expect(checks).toEqual(['a', 'b']);
    expect(engine.providers()[0]!.state).toBe('open');
    healthy = true;
    await clock.advance(5_000);
    // The operator's open holds for its cooldown (60 s ± 10 %), whatever the checks say.
    expect(engine.providers()[0]!.state).toBe('open');
    await clock.advance(44_000);
    expect(engine.providers()[0]!.state).toBe('open');
    await clock.advance(13_000);
    expect(engine.providers()[0]!.state).toBe('half_open');
    await engine.stop();
    expect(clock.pending).toBe(0);
  });

  it('a check that never settles, even when aborted, fails at its timeout and holds up no other provider\'s checks', async () => {
    const clock = new VirtualClock(0);
    const checks: string[] = [];
    const factory = checkingAdapters((settings) => {
      checks.push(settings.name);
      // a's check ignores its signal and never settles; b's passes.
      return settings.name === 'a' ? new Promise<void>(() => {}) : Promise.resolve();
    });
    const providers = baseConfig.providers.map((p) => ({ ...p, timeoutMs: 1_000 }));
    engine = createSwitchyard({ ...baseConfig, providers, health: { ...baseConfig.health, probeIntervalMs: 5_000 } }, { clock, adapters: { simulated: factory } });
    for (let i = 0; i < 10; i++) await clock.advance(5_000);
    await clock.advance(1_000);
    // One check per provider per interval, never two at once, and never none.
    expect(checks.filter((name) => name === 'a')).toHaveLength(10);
    expect(checks.filter((name) => name === 'b')).toHaveLength(10);
    // Each of a's checks failed at its timeout: three in a row open its breaker.
    expect(engine.providers().map((p) => p.state)).toEqual(['open', 'healthy']);
    await engine.stop();
    expect(clock.pending).toBe(0);
  });

  it('sends the verdict of a check that outlived its provider\'s reload to no one (its actor is stopped)', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const clock = new VirtualClock(0);
    const factory = checkingAdapters(() => new Promise<void>(() => {}));
    const config = (model: string) => ({ ...baseConfig, providers: baseConfig.providers.map((p) => ({ ...p, model, timeoutMs: 1_000 })), health: { ...baseConfig.health, probeIntervalMs: 5_000 } });
    engine = createSwitchyard(config('m1'), { clock, adapters: { simulated: factory } });
    await clock.advance(5_000); // a check of each provider under way
    engine.updateConfig(config('m2')); // a new upstream: fresh actors, the old ones stopped
    await clock.advance(1_000); // the old checks time out
    expect(warn.mock.calls.filter(([message]) => String(message).includes('stopped actor'))).toEqual([]);
    warn.mockRestore();
  });

  it('counts a check that throws instead of rejecting as failed, and goes on checking every provider', async () => {
    const clock = new VirtualClock(0);
    const checks: string[] = [];
    const factory = checkingAdapters((settings) => {
      checks.push(settings.name);
      if (settings.name === 'a') throw new Error('not an async function');
      return Promise.resolve();
    });
    engine = createSwitchyard({ ...baseConfig, health: { ...baseConfig.health, probeIntervalMs: 5_000 } }, { clock, adapters: { simulated: factory } });
    for (let i = 0; i < 3; i++) await clock.advance(5_000);
    expect(checks).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    expect(engine.providers().map((p) => p.state)).toEqual(['open', 'healthy']);
  });
});
