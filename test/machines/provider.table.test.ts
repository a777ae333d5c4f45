/**
 * The provider machine's transitions, one row each: the state it starts in, what happens,
 * the state it must end in, and why. Defaults: 5 consecutive failures, 50 % failure rate,
 * 20 % degraded rate, 10 calls minimum, 10 s first cooldown, 3 half-open probes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decayedTrips, type ProviderContext } from '../../machines/provider.logic.js';
import type { SlotReply, SlotToken } from '../../machines/provider.types.js';
import { startProvider, type ProviderHarness } from './provider.harness.js';

interface World {
  p: ProviderHarness;
  held: SlotToken[];
}
type Step = (world: World) => void;

const times = (n: number, step: Step): Step => (w) => {
  for (let i = 0; i < n; i++) step(w);
};
const ok = (n = 1): Step => times(n, ({ p }) => p.call('ok'));
const slow = (n = 1): Step => times(n, ({ p }) => p.call('slow'));
const fail = (n = 1): Step => times(n, ({ p }) => p.call('fail'));
const acquire: Step = ({ p }) => void p.acquire();
const panicAcquire: Step = ({ p }) => void p.acquire(true);
/** Acquires `n` slots and keeps their tokens for later reports. */
const hold = (n = 1): Step => times(n, ({ p, held }) => void held.push(p.tokenOf(p.acquire())));
const heldOk: Step = ({ p, held }) => p.succeed(held.shift()!);
const heldFail: Step = ({ p, held }) => p.fail(held.shift()!);
const held429 = (retryAfterMs?: number): Step => ({ p, held }) => p.rateLimit(held.shift()!, retryAfterMs);
const heldConfigError: Step = ({ p, held }) => p.send({ type: 'attempt.config_error', token: held.shift()!, kind: 'auth', reason: '401' });
const heldNeutral: Step = ({ p, held }) => p.send({ type: 'attempt.neutral', token: held.shift()! });
const panicOk: Step = (w) => { w.held.push(w.p.tokenOf(w.p.acquire(true))); heldOk(w); };
const panicFail: Step = (w) => { w.held.push(w.p.tokenOf(w.p.acquire(true))); heldFail(w); };
const probeOk = (n = 1): Step => times(n, (w) => { hold()(w); heldOk(w); });
const wait = (ms: number): Step => ({ p }) => p.advance(ms);
/** Advances to the next pending deadline (cooldown or rate-limit end). */
const waitDeadline: Step = ({ p }) => p.advance((p.clock.nextDeadline() ?? p.clock.now()) - p.clock.now());
const send = (type: 'operator.enable' | 'operator.open' | 'operator.reset' | 'check.passed' | 'check.failed'): Step => ({ p }) => p.send({ type });
const disable: Step = ({ p }) => p.send({ type: 'operator.disable', reason: 'maintenance' });
/** Opens the breaker, waits out the cooldown and passes the trial: one more trip, healthy again. */
const tripAndRecover: Step = (w) => { send('operator.open')(w); waitDeadline(w); probeOk(3)(w); };
const resizeWindow = (windowMs: number): Step => ({ p }) => p.send({ type: 'config.update', health: { ...p.ctx().health, windowMs } });
const tighten: Step = ({ p }) => p.send({ type: 'config.update', health: { ...p.ctx().health, consecutiveFailures: 2 } });

/** How to bring a fresh actor to each starting state. */
const reach: Record<string, Step> = {
  healthy: () => {},
  degraded: (w) => { ok(8)(w); slow(2)(w); },
  open: send('operator.open'),
  half_open: (w) => { send('operator.open')(w); waitDeadline(w); },
  rate_limited: (w) => { hold()(w); held429(1000)(w); },
  disabled: disable,
};

interface Row {
  from: keyof typeof reach;
  steps: Step[];
  to: string;
  note: string;
  reply?: SlotReply['type'] | Extract<SlotReply, { type: 'slot.denied' }>['reason'];
}

const rows: Row[] = [
  { from: 'healthy', steps: [fail(4)], to: 'healthy', note: 'four failures are below the consecutive threshold' },
  { from: 'healthy', steps: [fail(5)], to: 'open', note: 'five consecutive failures trip the breaker' },
  { from: 'healthy', steps: [times(5, (w) => { ok()(w); fail()(w); })], to: 'open', note: 'a 50 % failure rate over 10 calls trips it' },
  { from: 'healthy', steps: [ok(5), fail(4), ok()], to: 'degraded', note: '40 % bad calls: degraded, not open' },
  { from: 'healthy', steps: [ok(8), slow(2)], to: 'degraded', note: 'slow successes count toward degraded' },
  { from: 'healthy', steps: [ok(8), slow(1)], to: 'healthy', note: 'no rate is judged under minCalls' },
  { from: 'healthy', steps: [acquire], to: 'healthy', reply: 'slot.granted', note: 'healthy grants slots' },
  { from: 'healthy', steps: [send('check.failed'), send('check.failed'), fail(3)], to: 'open', note: 'failed health checks count as failures' },
  { from: 'healthy', steps: [tighten, fail(2)], to: 'open', note: 'config.update changes thresholds in place' },
  { from: 'healthy', steps: [hold(), held429()], to: 'rate_limited', note: 'a 429 rate-limits; it is never a failure' },
  { from: 'healthy', steps: [send('operator.enable')], to: 'healthy', note: 'enable outside disabled is a no-op' },
  { from: 'degraded', steps: [acquire], to: 'degraded', reply: 'slot.granted', note: 'degraded still grants slots' },
  { from: 'degraded', steps: [ok(10)], to: 'degraded', note: 'hysteresis: 2 bad in 20 is not below 10 %' },
  { from: 'degraded', steps: [ok(11)], to: 'healthy', note: '2 bad in 21 is below half the degraded rate' },
  { from: 'degraded', steps: [fail(5)], to: 'open', note: 'degraded opens like healthy' },
  { from: 'degraded', steps: [hold(), held429(500), waitDeadline], to: 'degraded', note: 'a rate limit resumes where it started' },
  { from: 'degraded', steps: [wait(60_000)], to: 'healthy', note: 'without traffic its bad calls age out: healthy a window later' },
  { from: 'degraded', steps: [wait(30_000), ok(8), slow(2), wait(30_000)], to: 'degraded', note: 'bad calls still in the window keep it degraded at the re-check' },
  { from: 'degraded', steps: [wait(30_000), ok(8), slow(2), wait(90_000)], to: 'healthy', note: '… until they age out too' },
  { from: 'degraded', steps: [wait(30_000), slow(2), ok(13), wait(30_000)], to: 'degraded', note: 'hysteresis at the re-check too: 2 bad in 15 (13 %) is not below 10 %' },
  { from: 'degraded', steps: [wait(30_000), slow(1), ok(14), wait(30_000)], to: 'healthy', note: '1 bad in 15 (7 %) at the re-check is: healthy' },
  { from: 'degraded', steps: [wait(40_000), fail(4), wait(20_000), fail()], to: 'open', note: 'a re-check keeps recent evidence: the next failure still counts' },
  { from: 'degraded', steps: [wait(10_000), hold(), held429(100_000), waitDeadline, wait(40_000), ok(7), slow(3), wait(25_000)], to: 'degraded', note: 'after a rate limit, the re-check judges the calls made since' },
  { from: 'degraded', steps: [wait(5_000), resizeWindow(10_000), wait(9_999)], to: 'degraded', note: 'a new windowMs restarts the re-check …' },
  { from: 'degraded', steps: [wait(5_000), resizeWindow(10_000), wait(10_000)], to: 'healthy', note: '… which then runs on the new window' },
  { from: 'open', steps: [acquire], to: 'open', reply: 'not_selectable', note: 'open denies ordinary calls' },
  { from: 'open', steps: [panicAcquire], to: 'open', reply: 'slot.granted', note: 'open grants a panic call' },
  { from: 'open', steps: [panicOk], to: 'half_open', note: 'a panic success is evidence of recovery' },
  { from: 'open', steps: [panicFail], to: 'open', note: 'a panic failure changes nothing' },
  { from: 'open', steps: [wait(8_999)], to: 'open', note: 'the cooldown is at least 90 % of 10 s' },
  { from: 'open', steps: [wait(11_000)], to: 'half_open', note: 'the cooldown is at most 110 % of 10 s' },
  { from: 'open', steps: [send('check.passed')], to: 'open', note: 'a passed health check never shortens the cooldown' },
  { from: 'open', steps: [send('operator.open')], to: 'open', note: 'opening an open breaker changes nothing' },
  { from: 'open', steps: [send('operator.reset')], to: 'healthy', note: 'reset closes the breaker' },
  { from: 'half_open', steps: [hold(3), acquire], to: 'half_open', reply: 'probes_busy', note: 'only halfOpenProbes probes at once' },
  { from: 'half_open', steps: [probeOk(2)], to: 'half_open', note: 'two probe successes are not enough' },
  { from: 'half_open', steps: [probeOk(3)], to: 'healthy', note: 'halfOpenProbes successes close the breaker' },
  { from: 'half_open', steps: [hold(), heldFail], to: 'open', note: 'a probe failure reopens' },
  { from: 'half_open', steps: [send('check.failed')], to: 'open', note: 'a failed health check reopens' },
  { from: 'half_open', steps: [hold(3), heldNeutral, acquire], to: 'half_open', reply: 'slot.granted', note: 'a neutral outcome returns the probe permit' },
  { from: 'half_open', steps: [hold(), held429(), waitDeadline], to: 'half_open', note: 'a rate-limited probe resumes half_open' },
  { from: 'healthy', steps: [hold(), send('operator.open'), waitDeadline, heldFail], to: 'half_open', note: 'a stale report decides nothing' },
  { from: 'rate_limited', steps: [acquire], to: 'rate_limited', reply: 'rate_limited', note: 'rate_limited denies with a retry delay' },
  { from: 'rate_limited', steps: [wait(999)], to: 'rate_limited', note: 'Retry-After is honoured (jitter only adds)' },
  { from: 'rate_limited', steps: [wait(1_100)], to: 'healthy', note: 'Retry-After 1 s waits at most 1.1 s' },
  { from: 'rate_limited', steps: [send('operator.reset')], to: 'healthy', note: 'reset clears a rate limit' },
  { from: 'healthy', steps: [hold(6), held429(1000), heldFail, heldFail, heldFail, heldFail, heldFail], to: 'open', note: 'an outage overrides a rate limit' },
  { from: 'healthy', steps: [hold(2), held429(1000), held429(5000)], to: 'rate_limited', note: 'another 429 restarts the wait' },
  { from: 'healthy', steps: [hold(2), held429(60_000), held429(1000), wait(1_200)], to: 'rate_limited', note: 'a shorter Retry-After never cuts a longer wait' },
  { from: 'healthy', steps: [hold(2), held429(1000), held429(60_000), wait(2_000)], to: 'rate_limited', note: 'a longer Retry-After from a call already out extends the wait' },
  { from: 'healthy', steps: [hold(8), times(8, held429()), wait(1_200)], to: 'healthy', note: 'eight 429s from calls already out are one rate limit, not eight' },
  { from: 'healthy', steps: [fail(4), hold(), held429(1000), waitDeadline, fail()], to: 'open', note: 'a rate-limit detour keeps the failure evidence' },
  { from: 'healthy', steps: [hold(), heldConfigError], to: 'disabled', note: 'a 401 disables the provider' },
  { from: 'healthy', steps: [hold(), send('operator.open'), heldConfigError], to: 'disabled', note: 'config errors disable even when stale' },
  { from: 'healthy', steps: [hold(), send('operator.reset'), heldConfigError], to: 'healthy', note: '… but not when the operator reset the provider since the call began' },
  { from: 'healthy', steps: [hold(2), heldConfigError, send('operator.enable'), heldConfigError], to: 'healthy', note: 'an enable (credits topped up) overrules a config error of a call sent before it' },
  { from: 'disabled', steps: [acquire], to: 'disabled', reply: 'disabled', note: 'disabled denies everything' },
  { from: 'disabled', steps: [send('operator.open')], to: 'disabled', note: 'open cannot override disable' },
  { from: 'disabled', steps: [send('operator.enable')], to: 'healthy', note: 'enable brings it back' },
  { from: 'disabled', steps: [send('operator.reset')], to: 'healthy', note: 'reset brings it back too' },
  { from: 'open', steps: [disable], to: 'disabled', note: 'operator.disable works from any state' },
];

describe('provider machine transitions', () => {
  it.each(rows)('$from → $to: $note', ({ from, steps, to, reply }) => {
    const world: World = { p: startProvider(), held: [] };
    reach[from]!(world);
    expect(world.p.state()).toBe(from);
    for (const step of steps) step(world);
    expect(world.p.state()).toBe(to);
    if (reply !== undefined) {
      const last = world.p.replies.at(-1)!;
      expect(last.type === 'slot.denied' ? last.reason : last.type).toBe(reply);
    }
    expect(world.p.errors).toEqual([]);
  });
});

describe('trip decay arithmetic', () => {
  const at = (since: number, decidedAt: number, tripCount = 2) =>
    ({ tripCount, decidedAt, health: { windowMs: 60_000 }, stats: { healthySince: since } }) as unknown as ProviderContext;

  it('takes a trip when its timer fires, even where (since + w) - since rounds below w', () => {
    // The times of the total-outage example that once made the timer fire at delay 0 forever.
    const since = 242788.54375533972;
    expect(since + 60_000 - since).toBeLessThan(60_000);
    expect(decayedTrips(at(since, since))).toEqual({ tripCount: 1, healthySince: since + 60_000, now: since + 60_000 });
  });

  it('always takes at least one trip and moves the next window past now', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e13, noNaN: true }), fc.double({ min: 0, max: 1e7, noNaN: true }), fc.integer({ min: 1, max: 20 }), (since, late, trips) => {
        const next = decayedTrips(at(since, since + 60_000 + late, trips));
        expect(next.tripCount).toBeLessThan(trips);
        expect(next.now).toBeGreaterThanOrEqual(since + 60_000);
        // The next timer's delay, healthySince + w - now, is never 0 or less while trips remain.
        if (next.tripCount > 0) expect(next.healthySince + 60_000 - next.now).toBeGreaterThan(0);
      }),
    );
  });
});

describe('provider context', () => {
  it('keeps every slot answer in lastSlot (a new object each time), with or without replyTo', () => {
    const p = startProvider();
    p.send({ type: 'slot.acquire', requestId: 'silent' });
    const granted = p.ctx().lastSlot;
    expect(granted).toMatchObject({ type: 'slot.granted', provider: 'p', requestId: 'silent', token: { generation: 0, probe: false } });
    expect(p.ctx().inFlight).toBe(1);
    expect(p.replies).toEqual([]);
    const replied = p.acquire();
    expect(p.ctx().lastSlot).toBe(replied);
    expect(p.ctx().lastSlot).not.toBe(granted);
    p.send({ type: 'operator.disable' });
    p.send({ type: 'slot.acquire', requestId: 'refused' });
    expect(p.ctx().lastSlot).toMatchObject({ type: 'slot.denied', requestId: 'refused', reason: 'disabled' });
    expect(p.errors).toEqual([]);
  });

  it('disabledReason names the kind and reason of a config error', () => {
    const world: World = { p: startProvider(), held: [] };
    hold()(world);
    heldConfigError(world);
    expect(world.p.ctx().disabledReason).toBe('auth: 401');
  });

  it('a stale success updates stats and latency but not the decision counters', () => {
    const world: World = { p: startProvider(), held: [] };
    hold()(world);
    fail(2)(world);
    send('operator.reset')(world);
    fail(1)(world);
    heldOk(world);
    const ctx = world.p.ctx();
    expect(ctx.consecutiveFailures).toBe(1);
    expect(ctx.stats).toMatchObject({ requests: 4, successes: 1, failures: 3 });
    expect(ctx.latencyMs).toBe(100);
    expect(ctx.inFlight).toBe(0);
  });

  it('latency is an EWMA with alpha 0.3', () => {
    const { p } = { p: startProvider() };
    p.succeed(p.tokenOf(p.acquire()), 100);
    p.succeed(p.tokenOf(p.acquire()), 200);
    expect(p.ctx().latencyMs).toBeCloseTo(130);
  });

  it('trips decay by one per windowMs spent healthy', () => {
    const world: World = { p: startProvider(), held: [] };
    times(2, tripAndRecover)(world);
    expect(world.p.ctx().tripCount).toBe(2);
    wait(60_000)(world);
    expect(world.p.ctx().tripCount).toBe(1);
    wait(60_000)(world);
    expect(world.p.ctx().tripCount).toBe(0);
    expect(world.p.clock.pending).toBe(0);
  });

  it('trips decay through rate-limit detours (a 429 is not an outage)', () => {
    const world: World = { p: startProvider(), held: [] };
    times(3, tripAndRecover)(world);
    expect(world.p.ctx().tripCount).toBe(3);
    // A 429 (Retry-After 1 s) every 50 s for 200 s: four windows of 60 s pass meanwhile.
    for (let i = 0; i < 4; i++) {
      wait(49_000)(world);
      hold()(world);
      held429(1_000)(world);
      waitDeadline(world);
      expect(world.p.state()).toBe('healthy');
    }
    expect(world.p.ctx().tripCount).toBe(0);
    expect(world.p.clock.pending).toBe(0);
  });

  it('counts a long rate-limit detour as healthy time: every window it spans decays a trip', () => {
    const world: World = { p: startProvider(), held: [] };
    times(3, tripAndRecover)(world);
    wait(30_000)(world);
    hold()(world);
    held429(200_000)(world);
    waitDeadline(world);
    expect(world.p.state()).toBe('healthy');
    expect(world.p.ctx().tripCount).toBe(0);
    expect(world.p.clock.pending).toBe(0);
  });

  it('the second trip cools down twice as long', () => {
    const world: World = { p: startProvider(), held: [] };
    send('operator.open')(world);
    waitDeadline(world);
    hold()(world);
    heldFail(world);
    const { cooldownUntil } = world.p.ctx();
    const wait = cooldownUntil! - world.p.clock.now();
    expect(wait).toBeGreaterThanOrEqual(18_000);
    expect(wait).toBeLessThanOrEqual(22_000);
  });
});
