/**
 * Every declared transition of the provider machine is taken by some generated path.
 * Paths come from `xstate/graph` (shortest path to each abstract state, plus one more event
 * for each edge out of it) and are replayed on a real actor under the virtual clock.
 */
import { describe, expect, it } from 'vitest';
import { createActor, fromCallback, type AnyStateNode, type AnyTransitionDefinition } from 'xstate';
import { getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import type { ProviderContext } from '../../machines/provider.logic.js';
import { windowTotals } from '../../machines/health-window.js';
import { providerMachine, type ProviderSnapshot } from '../../machines/provider.machine.js';
import type { ProviderEvent, SlotToken } from '../../machines/provider.types.js';
import { HEALTH, startProvider } from './provider.harness.js';

/** Small thresholds keep the abstract state space small while every branch stays reachable. */
const health = { ...HEALTH, consecutiveFailures: 3, minCalls: 2, failureRate: 0.5, degradedFailureRate: 0.4, halfOpenProbes: 2 };
/** A stricter config that `config.update` may switch to (a success can then open a degraded provider), with a longer window. */
const strict = { ...health, failureRate: 0.2, windowMs: health.windowMs * 2 };
const input = { name: 'p', health, seed: 7, now: 0 };
const sink = createActor(fromCallback(() => {})).start();

const AFTER: Record<string, string> = {
  open: 'xstate.after.cooldown.provider.open',
  rate_limited: 'xstate.after.rateLimit.provider.rate_limited',
  'healthy.decaying': 'xstate.after.tripDecay.provider.healthy.decaying',
  degraded: 'xstate.after.recheck.provider.degraded',
};

const leaf = (snapshot: ProviderSnapshot): string =>
  typeof snapshot.value === 'string' ? snapshot.value : Object.entries(snapshot.value).map(([k, v]) => `${k}.${String(v)}`)[0]!;
const cap = (n: number, max: number): number => Math.min(n, max);

/**
 * Graph time: just after the last timed decision, where events happen; timers move it. In
 * `degraded`, half a window later, so that its calls are still in the window at the next
 * re-check (a window later than the decision), while the ones before it have aged out.
 */
const now = (snapshot: ProviderSnapshot): number => {
  const c = snapshot.context as ProviderContext;
  return c.decidedAt + (leaf(snapshot) === 'degraded' ? c.health.windowMs / 2 : 1);
};

/** The abstract state: state, bounded counters and window totals; unbounded ones are dropped. */
function serializeState(snapshot: ProviderSnapshot): string {
  const c = snapshot.context as ProviderContext;
  const state = leaf(snapshot);
  const totals = windowTotals(c.window, now(snapshot), c.health.windowMs);
  const judged = state.startsWith('healthy') || state === 'degraded' || state === 'rate_limited';
  return JSON.stringify([
    state,
    c.generation > 0,
    c.health.failureRate,
    cap(c.inFlight, 2),
    cap(c.consecutiveFailures, 3),
    state === 'half_open' ? [c.probesInFlight, c.probeSuccesses] : [],
    state === 'rate_limited' ? c.resumeTo : '',
    judged ? [cap(totals.calls, 6), cap(totals.failures, 3), cap(totals.slow, 3)] : [],
  ]);
}

/** The events worth trying in a state: reports only when a slot is out, timers only when pending. */
function eventsFor(snapshot: ProviderSnapshot): ProviderEvent[] {
  const c = snapshot.context as ProviderContext;
  const at = now(snapshot);
  const events: ProviderEvent[] = [
    { type: 'slot.acquire', at, requestId: 'r', replyTo: sink },
    { type: 'slot.acquire', at, requestId: 'r', replyTo: sink, panic: true },
    { type: 'operator.disable', at },
    { type: 'operator.enable', at },
    { type: 'operator.open', at },
    { type: 'operator.reset', at },
    { type: 'check.passed', at },
    { type: 'check.failed', at },
    { type: 'config.update', at, health: c.health === strict ? health : strict },
    // The same thresholds again (a reload that changes nothing here): no timer restarts.
    { type: 'config.update', at, health: c.health },
  ];
  if (c.inFlight > 0) {
    const tokens: SlotToken[] = [{ generation: c.generation, probe: c.probesInFlight > 0 }];
    if (c.generation > 0) tokens.push({ generation: c.generation - 1, probe: false });
    for (const token of tokens) {
      events.push(
        { type: 'attempt.succeeded', at, token, latencyMs: 10 },
        { type: 'attempt.succeeded', at, token, latencyMs: health.slowCallMs + 1 },
        { type: 'attempt.failed', at, token, kind: 'server', latencyMs: 10 },
        { type: 'attempt.rate_limited', at, token, retryAfterMs: 1000 },
        { type: 'attempt.config_error', at, token, kind: 'auth', reason: '401' },
        { type: 'attempt.neutral', at, token },
      );
    }
  }
  const timer = AFTER[leaf(snapshot)];
  if (timer !== undefined) events.push({ type: timer } as unknown as ProviderEvent);
  return events;
}

const serializeEvent = (event: ProviderEvent): string =>
  JSON.stringify(event, (key, value: unknown) => (key === 'replyTo' ? undefined : value));
const options = { input, events: eventsFor, serializeState, serializeEvent, limit: 200_000 };

/** Every transition the machine declares, read from its definition. */
function declaredTransitions(node: AnyStateNode): AnyTransitionDefinition[] {
  const own = [...node.transitions.values()].flat().concat(node.always ?? []);
  return own.concat(Object.values(node.states).flatMap((child) => declaredTransitions(child)));
}

const describeTransition = (t: AnyTransitionDefinition): string => {
  const guard = typeof t.guard === 'string' ? t.guard : t.guard && 'type' in t.guard ? String(t.guard.type) : '';
  return `${t.source.id} --${t.eventType}${guard ? ` [${guard}]` : ''}--> ${(t.target ?? []).map((s) => s.id).join(',') || '(self)'}`;
};

interface GraphStep {
  event: ProviderEvent | { type: string };
  state: ProviderSnapshot;
}

/** Replays one generated path on a real actor, checking each step lands where the graph said. */
function replay(steps: GraphStep[], covered: Set<AnyTransitionDefinition>): void {
  const p = startProvider({
    health,
    seed: input.seed,
    inspect: (e) => {
      if (e.type === '@xstate.microstep' && e.actorRef === p.actor) for (const t of e._transitions) covered.add(t);
    },
  });
  for (const step of steps) {
    if (step.event.type === 'xstate.init') continue;
    if (step.event.type.startsWith('xstate.after.')) {
      p.advance((p.clock.nextDeadline() ?? p.clock.now()) - p.clock.now());
    } else {
      const event = step.event as ProviderEvent;
      p.actor.send(event.type === 'slot.acquire' ? { ...event, replyTo: p.collector } : event);
    }
    expect(serializeState(p.actor.getSnapshot())).toBe(serializeState(step.state));
  }
  expect(p.errors).toEqual([]);
  expect(p.clock.pending).toBeLessThanOrEqual(1);
}

describe('provider machine graph', () => {
  const adjacency = getAdjacencyMap(providerMachine, options);
  const shortest = new Map(getShortestPaths(providerMachine, options).map((path) => [serializeState(path.state), path]));
  const declared = declaredTransitions(providerMachine.root);

  it('reaches every abstract state by a shortest path that replays on a real actor', () => {
    const covered = new Set<AnyTransitionDefinition>();
    for (const path of shortest.values()) replay(path.steps, covered);
    expect(shortest.size).toBe(Object.keys(adjacency).length);
  });

  it('covers every declared transition with replayed paths, and nothing undeclared', () => {
    const covered = new Set<AnyTransitionDefinition>();
    const planned = new Set<AnyTransitionDefinition>();
    for (const [key, vertex] of Object.entries(adjacency)) {
      const prefix = shortest.get(key)?.steps ?? [];
      for (const edge of Object.values(vertex.transitions) as GraphStep[]) {
        const taken = providerMachine.getTransitionData(vertex.state, edge.event as ProviderEvent);
        if (taken.every((t) => planned.has(t))) continue;
        for (const t of taken) planned.add(t);
        replay([...prefix, { event: edge.event, state: edge.state }], covered);
      }
    }
    const missing = declared.filter((t) => !covered.has(t)).map(describeTransition);
    const unknown = [...covered].filter((t) => !declared.includes(t)).map(describeTransition);
    expect(missing).toEqual([]);
    expect(unknown).toEqual([]);
    expect(covered.size).toBe(declared.length);
  });
});
