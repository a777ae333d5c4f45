/**
 * Run statistics in bounded memory, fed only by the engine's events: counters, a latency
 * histogram, per-provider totals, time in each state, the first transitions, and a
 * fixed-size timeline for the chart. Nothing grows with the number of requests.
 */
import type { RequestFinishedEvent, StateChangedEvent } from '../engine/events.js';
import { LogHistogram } from './histogram.js';

/** The contract's provider states, in the order reports and charts show them. */
export const STATES = ['healthy', 'degraded', 'open', 'half_open', 'rate_limited', 'disabled'] as const;
/** Transitions kept per provider; later ones are only counted. */
export const MAX_TRANSITIONS = 1000;
/** Timeline columns of the chart, at most. */
export const MAX_BUCKETS = 600;

/** One state change, seconds since the start. */
export interface Transition {
  atS: number;
  from: string;
  to: string;
}

/** Per-provider totals. */
export interface ProviderTotals {
  /** Upstream calls made to it. */
  calls: number;
  successes: number;
  failures: number;
  /** Failed calls that were 429s (a subset of `failures`). */
  rateLimited: number;
  costUsd: number;
  /** Seconds in each state (custom states of an extended machine get their own key). */
  timeInStateMs: Map<string, number>;
  transitions: Transition[];
  transitionsTruncated: number;
  state: string;
  since: number;
}

/** Per-column series for the chart. */
export interface Timeline {
  bucketMs: number;
  buckets: number;
  /** Requests by arrival column. */
  requests: Float64Array;
  failed: Float64Array;
  /** `answered[p * buckets + b]`: requests provider p answered that arrived in column b. */
  answered: Float64Array;
  /** `stateMs[(p * buckets + b) * STATES.length + s]`: ms provider p spent in state s in column b. */
  stateMs: Float64Array;
}

/** Collects what a run's report and chart need. */
export class RunStats {
  requests = 0;
  succeeded = 0;
  failed = 0;
  attempts = 0;
  wasted = 0;
  costUsd = 0;
  readonly errors = new Map<string, number>();
  readonly latency = new LogHistogram();
  readonly providers = new Map<string, ProviderTotals>();
  readonly timeline: Timeline;
  private readonly index = new Map<string, number>();

  constructor(names: readonly string[], initialStates: readonly string[], readonly startMs: number, readonly endMs: number) {
    names.forEach((name, i) => {
      this.index.set(name, i);
      const timeInStateMs = new Map<string, number>(STATES.map((state) => [state, 0]));
      this.providers.set(name, {
        calls: 0, successes: 0, failures: 0, rateLimited: 0, costUsd: 0,
        timeInStateMs, transitions: [], transitionsTruncated: 0, state: initialStates[i] ?? 'healthy', since: startMs,
      });
    });
    const span = endMs - startMs;
    const bucketMs = Math.max(1000, Math.ceil(span / MAX_BUCKETS / 1000) * 1000);
    const buckets = Math.max(1, Math.ceil(span / bucketMs));
    this.timeline = {
      bucketMs,
      buckets,
      requests: new Float64Array(buckets),
      failed: new Float64Array(buckets),
      answered: new Float64Array(buckets * names.length),
      stateMs: new Float64Array(buckets * names.length * STATES.length),
    };
  }

  /** Accounts one finished client request. */
  onRequest(event: RequestFinishedEvent): void {
    this.requests += 1;
    const column = this.column(event.at - event.latencyMs);
    this.timeline.requests[column]! += 1;
    for (const attempt of event.attempts) {
      const totals = this.providers.get(attempt.provider);
      this.attempts += 1;
      if (totals !== undefined) totals.calls += 1;
      if (attempt.kind === 'ok') {
        if (totals !== undefined) totals.successes += 1;
      } else {
        this.wasted += 1;
        if (totals !== undefined) {
          totals.failures += 1;
          if (attempt.kind === 'rate_limit') totals.rateLimited += 1;
        }
      }
    }
    if (event.status === 'ok') {
      this.succeeded += 1;
      this.latency.record(event.latencyMs);
      const cost = event.costUsd ?? 0;
      this.costUsd += cost;
      const p = event.provider === undefined ? undefined : this.index.get(event.provider);
      if (p !== undefined) {
        this.providers.get(event.provider!)!.costUsd += cost;
        this.timeline.answered[p * this.timeline.buckets + column]! += 1;
      }
    } else {
      this.failed += 1;
      this.timeline.failed[column]! += 1;
      this.errors.set(event.status, (this.errors.get(event.status) ?? 0) + 1);
    }
  }

  /** Accounts one state change (ignored after the end of the scenario). */
  onState(event: StateChangedEvent): void {
    const totals = this.providers.get(event.provider);
    if (totals === undefined || event.at > this.endMs) return;
    this.closeInterval(event.provider, totals, event.at);
    totals.state = event.to;
    const transition = { atS: round((event.at - this.startMs) / 1000, 3), from: event.from, to: event.to };
    if (totals.transitions.length < MAX_TRANSITIONS) totals.transitions.push(transition);
    else totals.transitionsTruncated += 1;
  }

  /** Closes every provider's current state at the end of the scenario. */
  finish(): void {
    for (const [name, totals] of this.providers) this.closeInterval(name, totals, this.endMs);
  }

  private closeInterval(name: string, totals: ProviderTotals, at: number): void {
    const from = totals.since;
    const to = Math.min(at, this.endMs);
    totals.since = at;
    if (to <= from) return;
    totals.timeInStateMs.set(totals.state, (totals.timeInStateMs.get(totals.state) ?? 0) + (to - from));
    const s = (STATES as readonly string[]).indexOf(totals.state);
    if (s === -1) return;
    const { bucketMs, buckets, stateMs } = this.timeline;
    const p = this.index.get(name)!;
    for (let t = from; t < to; ) {
      const b = this.column(t);
      const columnEnd = this.startMs + (b + 1) * bucketMs;
      const until = Math.min(to, columnEnd);
      stateMs[(p * buckets + b) * STATES.length + s]! += until - t;
      if (b === buckets - 1 && until === columnEnd) break;
      t = until;
    }
  }

  private column(at: number): number {
    const { bucketMs, buckets } = this.timeline;
    return Math.min(buckets - 1, Math.max(0, Math.floor((at - this.startMs) / bucketMs)));
  }
}

/** `value` rounded to `digits` decimals. */
export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
