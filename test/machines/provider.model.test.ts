/**
 * The provider actor agrees with a small reference model over random command sequences:
 * acquisitions (panic or not), outcomes of held slots (often stale), 429s with and without
 * Retry-After, operator commands, health checks, config updates and clock advances.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyWindow, recordOutcome, windowTotals } from '../../machines/health-window.js';
import type { HealthConfig } from '../../src/config/types.js';
import { HEALTH, startProvider, type ProviderHarness } from './provider.harness.js';
import { ProviderModel, cooldownBounds, rateLimitBounds, type ReportKind } from './provider.reference.js';

/** Small thresholds so that every state is visited often; the window never expires. */
const health: HealthConfig = {
  ...HEALTH,
  consecutiveFailures: 3,
  failureRate: 0.5,
  degradedFailureRate: 0.3,
  minCalls: 4,
  windowMs: 1e12,
  slowCallMs: 1000,
  cooldownMs: 1000,
  maxCooldownMs: 8000,
  halfOpenProbes: 2,
};

type Real = ProviderHarness;
type Cmd = fc.Command<ProviderModel, Real>;

/** Reads a deadline the model cannot predict (jitter), after checking it is within bounds. */
function syncDeadline(m: ProviderModel, r: Real, retryAfterMs?: number): void {
  const ctx = r.ctx();
  const now = r.clock.now();
  if (m.state === 'open' && m.deadline === undefined) {
    const [lo, hi] = cooldownBounds(m.health, m.tripCount);
    expect(ctx.cooldownUntil! - now).toBeGreaterThanOrEqual(lo);
    expect(ctx.cooldownUntil! - now).toBeLessThanOrEqual(hi);
    m.deadline = ctx.cooldownUntil;
  }
  if (m.state === 'rate_limited' && m.deadline === undefined) {
    const [lo, hi] = rateLimitBounds(m.health, retryAfterMs, m.streak);
    expect(ctx.rateLimitedUntil! - now).toBeGreaterThanOrEqual(lo);
    expect(ctx.rateLimitedUntil! - now).toBeLessThanOrEqual(hi);
    m.deadline = ctx.rateLimitedUntil;
  }
}

/** The checks after every command. */
function agree(m: ProviderModel, r: Real): void {
  const ctx = r.ctx();
  expect(r.state()).toBe(m.state);
  expect(ctx.generation).toBe(m.generation);
  expect(ctx.inFlight).toBe(m.inFlight);
  expect(ctx.probesInFlight).toBe(m.probesInFlight);
  expect(ctx.consecutiveFailures).toBe(m.consecutive);
  expect(ctx.stats.failures).toBe(m.statFailures);
  expect(ctx.inFlight).toBeGreaterThanOrEqual(0);
  expect(ctx.probesInFlight).toBeGreaterThanOrEqual(0);
  expect(ctx.probesInFlight).toBeLessThanOrEqual(ctx.health.halfOpenProbes);
  expect(r.errors).toEqual([]);
}

const done = (m: ProviderModel, r: Real, retryAfterMs?: number): void => {
  syncDeadline(m, r, retryAfterMs);
  agree(m, r);
};

class Acquire implements Cmd {
  constructor(readonly panic: boolean) {}
  check = () => true;
  run(m: ProviderModel, r: Real): void {
    const expected = m.acquire(this.panic);
    const reply = r.acquire(this.panic);
    if (expected.granted) {
      expect(reply).toMatchObject({ type: 'slot.granted', token: expected.token });
      m.held.push(expected.token);
    } else {
      expect(reply).toMatchObject({ type: 'slot.denied', reason: expected.reason });
      if (expected.reason === 'rate_limited') expect(reply).toMatchObject({ retryAfterMs: m.deadline! - r.clock.now() });
    }
    done(m, r);
  }
  toString = () => `acquire${this.panic ? '(panic)' : ''}`;
}

class Report implements Cmd {
  constructor(readonly index: number, readonly kind: ReportKind, readonly retryAfterMs: number | undefined) {}
  check = (m: Readonly<ProviderModel>) => m.held.length > 0;
  run(m: ProviderModel, r: Real): void {
    const [token] = m.held.splice(this.index % m.held.length, 1);
    const before = { consecutive: r.ctx().consecutiveFailures, failures: r.ctx().stats.failures, state: r.state(), until: r.ctx().rateLimitedUntil };
    m.report(token!, this.kind);
    const at = r.clock.now();
    const send = r.actor.send.bind(r.actor);
    if (this.kind === 'ok' || this.kind === 'slow') {
      send({ type: 'attempt.succeeded', at, token: token!, latencyMs: this.kind === 'ok' ? 50 : 5000, inputTokens: 3 });
    } else if (this.kind === 'fail') send({ type: 'attempt.failed', at, token: token!, kind: 'timeout', latencyMs: 50 });
    else if (this.kind === 'rate_limit') send({ type: 'attempt.rate_limited', at, token: token!, retryAfterMs: this.retryAfterMs });
    else if (this.kind === 'neutral') send({ type: 'attempt.neutral', at, token: token! });
    else send({ type: 'attempt.config_error', at, token: token!, kind: 'auth', reason: 'bad key' });
    if (this.kind === 'rate_limit') {
      expect(r.ctx().consecutiveFailures).toBe(before.consecutive);
      expect(r.ctx().stats.failures).toBe(before.failures);
      expect(r.state()).toBe(before.state === 'open' || before.state === 'disabled' || token!.generation !== m.generation ? before.state : 'rate_limited');
      if (before.state === 'rate_limited' && token!.generation === m.generation) {
        // A call sent before the limit began: the wait may grow to its Retry-After, never shrink.
        const until = r.ctx().rateLimitedUntil!;
        const [lo, hi] = rateLimitBounds(m.health, this.retryAfterMs, Math.max(1, m.streak));
        if (at + lo > before.until!) {
          expect(until - at).toBeGreaterThanOrEqual(lo);
          expect(until - at).toBeLessThanOrEqual(hi);
        } else if (at + hi <= before.until!) {
          expect(until).toBe(before.until);
        } else {
          expect(until).toBeGreaterThanOrEqual(before.until!);
        }
        m.deadline = until;
      }
    }
    done(m, r, this.retryAfterMs);
  }
  toString = () => `report#${this.index}(${this.kind}${this.retryAfterMs === undefined ? '' : `, ${this.retryAfterMs}ms`})`;
}

class Operator implements Cmd {
  constructor(readonly command: 'disable' | 'enable' | 'open' | 'reset') {}
  check = () => true;
  run(m: ProviderModel, r: Real): void {
    m.operator(this.command);
    r.send({ type: `operator.${this.command}` });
    done(m, r);
  }
  toString = () => `operator.${this.command}`;
}

class Check implements Cmd {
  constructor(readonly passed: boolean) {}
  check = () => true;
  run(m: ProviderModel, r: Real): void {
    if (this.passed) m.checkPassed();
    else m.checkFailed();
    r.send({ type: this.passed ? 'check.passed' : 'check.failed' });
    done(m, r);
  }
  toString = () => `check.${this.passed ? 'passed' : 'failed'}`;
}

class ConfigUpdate implements Cmd {
  constructor(readonly consecutiveFailures: number) {}
  check = () => true;
  run(m: ProviderModel, r: Real): void {
    m.health = { ...m.health, consecutiveFailures: this.consecutiveFailures };
    r.send({ type: 'config.update', health: m.health });
    done(m, r);
  }
  toString = () => `config.update(consecutiveFailures=${this.consecutiveFailures})`;
}

class Advance implements Cmd {
  /** `undefined`: exactly to the pending deadline. */
  constructor(readonly ms: number | undefined) {}
  check = () => true;
  run(m: ProviderModel, r: Real): void {
    const ms = this.ms ?? Math.max(0, (m.deadline ?? r.clock.now()) - r.clock.now());
    r.advance(ms);
    m.advanceTo(r.clock.now());
    done(m, r);
  }
  toString = () => `advance(${this.ms ?? 'deadline'})`;
}

const commands = [
  fc.oneof(
    { weight: 6, arbitrary: fc.boolean().map((panic) => new Acquire(panic)) },
    {
      weight: 8,
      arbitrary: fc
        .record({
          index: fc.nat(),
          kind: fc.constantFrom<ReportKind>('ok', 'ok', 'ok', 'slow', 'slow', 'fail', 'fail', 'fail', 'rate_limit', 'neutral'),
          retryAfterMs: fc.option(fc.integer({ min: 0, max: 20_000 }), { nil: undefined }),
        })
        .map(({ index, kind, retryAfterMs }) => new Report(index, kind, retryAfterMs)),
    },
    { weight: 1, arbitrary: fc.nat().map((index) => new Report(index, 'config_error', undefined)) },
    { weight: 1, arbitrary: fc.constantFrom('disable', 'enable', 'open', 'reset').map((command) => new Operator(command)) },
    { weight: 1, arbitrary: fc.boolean().map((passed) => new Check(passed)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }).map((n) => new ConfigUpdate(n)) },
    { weight: 3, arbitrary: fc.option(fc.integer({ min: 0, max: 12_000 }), { nil: undefined, freq: 2 }).map((ms) => new Advance(ms)) },
  ),
];

describe('provider machine vs reference model', () => {
  it('agrees on state, counters and deadlines; slots never leak', () => {
    fc.assert(
      fc.property(fc.commands(commands, { size: 'large', maxCommands: 100 }), fc.integer(), (cmds, seed) => {
        const real = startProvider({ health, seed });
        const model = new ProviderModel(health);
        fc.modelRun(() => ({ model, real }), cmds);
        for (const token of model.held.splice(0)) real.send({ type: 'attempt.neutral', token });
        expect(real.ctx().inFlight).toBe(0);
        expect(real.ctx().probesInFlight).toBe(0);
        expect(real.clock.pending).toBeLessThanOrEqual(1);
        real.actor.stop();
      }),
      { numRuns: 1000 },
    );
  });

  it('is deterministic for a seed', () => {
    const run = (seed: number) => {
      const p = startProvider({ health, seed });
      const deadlines: number[] = [];
      for (let i = 0; i < 5; i++) {
        p.send({ type: 'operator.open' });
        deadlines.push(p.ctx().cooldownUntil!);
        p.send({ type: 'check.passed' });
      }
      return deadlines;
    };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });
});

describe('health window', () => {
  it('counts every outcome younger than windowMs - bucketMs and none older than windowMs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 10, max: 100_000 }),
        fc.array(fc.record({ gap: fc.nat({ max: 30_000 }), failed: fc.boolean(), slow: fc.boolean() }), { maxLength: 80 }),
        (windowMs, outcomes) => {
          let window = emptyWindow(windowMs);
          let at = 0;
          const log: { at: number; failed: boolean }[] = [];
          for (const outcome of outcomes) {
            at += outcome.gap;
            window = recordOutcome(window, at, outcome);
            log.push({ at, failed: outcome.failed });
            const totals = windowTotals(window, at, windowMs);
            const surely = log.filter((o) => o.at >= at - windowMs + window.bucketMs).length;
            const maybe = log.filter((o) => o.at > at - windowMs).length;
            expect(totals.calls).toBeGreaterThanOrEqual(surely);
            expect(totals.calls).toBeLessThanOrEqual(maybe);
            expect(totals.failures + totals.slow).toBeLessThanOrEqual(2 * totals.calls);
          }
          expect(window.buckets.length).toBe(10);
        },
      ),
      {
        numRuns: 300,
        // Found by a random run: a window that is not a multiple of its bucket width counted
        // an outcome exactly windowMs old, from a bucket only partly inside the window.
        examples: [[25, [{ gap: 3870, failed: false, slow: false }, { gap: 25, failed: false, slow: false }]]],
      },
    );
  });
});
