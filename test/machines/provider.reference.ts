/**
 * A plain-TypeScript reference model of the provider actor, written from the spec and not
 * from the machine. The window never expires here: the model test sets a huge `windowMs`.
 */
import type { HealthConfig } from '../../src/config/types.js';
import type { SlotToken } from '../../machines/provider.types.js';

/** The six contract states. */
export type ModelState = 'healthy' | 'degraded' | 'open' | 'half_open' | 'rate_limited' | 'disabled';
/** What a report says about its call. */
export type ReportKind = 'ok' | 'slow' | 'fail' | 'rate_limit' | 'neutral' | 'config_error';
/** The model's answer to an acquisition. */
export type ModelReply = { granted: true; token: SlotToken } | { granted: false; reason: string };

/** Reference model of one provider. Deadlines are read from the real actor (jitter). */
export class ProviderModel {
  state: ModelState = 'healthy';
  generation = 0;
  inFlight = 0;
  probesInFlight = 0;
  probeSuccesses = 0;
  consecutive = 0;
  calls = 0;
  failures = 0;
  slow = 0;
  tripCount = 0;
  streak = 0;
  resumeTo: ModelState = 'healthy';
  /** Deadline of the pending cooldown or rate-limit wait. */
  deadline: number | undefined;
  /** Failed and config-error reports, the only things `stats.failures` may count. */
  statFailures = 0;
  /** Generation of the last reset or enable: config errors of calls granted before it are overruled. */
  freshGeneration = 0;
  /** Tokens granted and not yet reported. */
  held: SlotToken[] = [];

  constructor(public health: HealthConfig) {}

  acquire(panic: boolean): ModelReply {
    const grant = (probe: boolean): ModelReply => {
      this.inFlight++;
      if (probe) this.probesInFlight++;
      return { granted: true, token: { generation: this.generation, probe } };
    };
    switch (this.state) {
      case 'healthy':
      case 'degraded':
        return grant(false);
      case 'half_open':
        return this.probesInFlight < this.health.halfOpenProbes ? grant(true) : { granted: false, reason: 'probes_busy' };
      case 'open':
        return panic ? grant(false) : { granted: false, reason: 'not_selectable' };
      case 'rate_limited':
        return { granted: false, reason: 'rate_limited' };
      case 'disabled':
        return { granted: false, reason: 'disabled' };
    }
  }

  /** Applies a report; `enter` is called with each state entered, for deadline bookkeeping. */
  report(token: SlotToken, kind: ReportKind): void {
    const current = token.generation === this.generation;
    this.inFlight = Math.max(0, this.inFlight - 1);
    if (token.probe && current) this.probesInFlight = Math.max(0, this.probesInFlight - 1);
    if (kind === 'ok' || kind === 'slow') this.streak = 0;
    if (kind === 'fail' || kind === 'config_error') this.statFailures++;
    if (kind === 'config_error') {
      if (this.state !== 'disabled' && token.generation >= this.freshGeneration) this.enter('disabled');
      return;
    }
    if (!current || kind === 'neutral') return;
    const success = kind === 'ok' || kind === 'slow';
    switch (this.state) {
      case 'healthy':
      case 'degraded':
        if (kind === 'rate_limit') return this.rateLimit(this.state);
        return this.judged(kind === 'fail', kind === 'slow');
      case 'rate_limited':
        // Every call out now was sent before the limit began: one episode, the streak stays.
        if (kind === 'rate_limit') return;
        this.record(kind === 'fail', kind === 'slow');
        if (this.opens()) this.enter('open');
        return;
      case 'open':
        if (success) this.enter('half_open');
        return;
      case 'half_open':
        if (kind === 'rate_limit') return this.rateLimit('half_open');
        if (kind === 'fail') return this.enter('open');
        if (this.probeSuccesses + 1 >= this.health.halfOpenProbes) return this.recover();
        this.probeSuccesses++;
        return;
      case 'disabled':
        return;
    }
  }

  checkFailed(): void {
    if (this.state === 'healthy' || this.state === 'degraded') this.judged(true, false);
    else if (this.state === 'half_open') this.enter('open');
  }

  /** A passed health check never shortens a cooldown (nor undoes an operator's open). */
  checkPassed(): void {}

  operator(command: 'disable' | 'enable' | 'open' | 'reset'): void {
    if (command === 'disable' && this.state !== 'disabled') this.enter('disabled');
    if (command === 'open' && this.state !== 'disabled' && this.state !== 'open') this.enter('open');
    if (command === 'reset' || (command === 'enable' && this.state === 'disabled')) {
      this.generation++;
      this.freshGeneration = this.generation;
      this.tripCount = 0;
      this.streak = 0;
      this.probesInFlight = 0;
      this.probeSuccesses = 0;
      this.recover();
    }
  }

  /** Time passes up to `now`: a due cooldown or rate-limit wait ends. */
  advanceTo(now: number): void {
    if (this.deadline === undefined || now < this.deadline) return;
    if (this.state === 'open') this.enter('half_open');
    else if (this.state === 'rate_limited') this.enter(this.resumeTo);
  }

  private judged(failed: boolean, slow: boolean): void {
    const from = this.state;
    this.record(failed, slow);
    if (this.opens()) return this.enter('open');
    const judged = this.calls > 0 && this.calls >= this.health.minCalls;
    const bad = judged ? (this.failures + this.slow) / this.calls : 0;
    if (from === 'healthy' && judged && bad >= this.health.degradedFailureRate) this.enter('degraded');
    if (from === 'degraded' && !failed && judged && bad < this.health.degradedFailureRate / 2) this.recover();
  }

  /** Healthy again after a recovery, a passed trial, a reset or an enable: the evidence starts afresh. */
  private recover(): void {
    this.enter('healthy');
    this.consecutive = 0;
    this.calls = this.failures = this.slow = 0;
  }

  private record(failed: boolean, slow: boolean): void {
    this.calls++;
    if (failed) this.failures++;
    if (slow) this.slow++;
    this.consecutive = failed ? this.consecutive + 1 : 0;
  }

  private opens(): boolean {
    const judged = this.calls > 0 && this.calls >= this.health.minCalls;
    return this.consecutive >= this.health.consecutiveFailures || (judged && this.failures / this.calls >= this.health.failureRate);
  }

  private rateLimit(from: ModelState): void {
    this.streak++;
    this.resumeTo = from;
    this.enter('rate_limited');
  }

  private enter(state: ModelState): void {
    if (this.state === 'half_open') this.probesInFlight = 0;
    this.state = state;
    this.deadline = undefined;
    // Entering healthy keeps the evidence: a rate-limit detour resumes with it (see recover()).
    if (state === 'open') {
      this.generation++;
      this.tripCount++;
    } else if (state === 'half_open') {
      this.generation++;
      this.probesInFlight = 0;
      this.probeSuccesses = 0;
    } else if (state === 'disabled') {
      this.generation++;
    }
  }
}

/** Bounds of the jittered cooldown after the `tripCount`-th trip. */
export function cooldownBounds(health: HealthConfig, tripCount: number): [number, number] {
  const base = Math.min(health.maxCooldownMs, health.cooldownMs * 2 ** (tripCount - 1));
  return [Math.round(base * 0.9), Math.min(health.maxCooldownMs, Math.round(base * 1.1))];
}

/** Bounds of the jittered rate-limit wait. */
export function rateLimitBounds(health: HealthConfig, retryAfterMs: number | undefined, streak: number): [number, number] {
  if (retryAfterMs !== undefined) {
    const base = Math.min(health.maxCooldownMs, Math.max(100, retryAfterMs));
    return [base, Math.round(base * 1.1)];
  }
  const base = Math.min(60_000, 1000 * 2 ** (streak - 1));
  return [Math.round(base * 0.8), Math.round(base * 1.2)];
}
