/**
 * Runs a scenario against the real engine in virtual time: the same engine, router and
 * provider machines as production, a {@link VirtualClock}, simulated providers, seeded
 * Poisson traffic. Time advances from one deadline to the next (an arrival or a timer),
 * never by sleeping, so a run goes as fast as the CPU allows.
 */
import { VirtualClock } from '../core/clock.js';
import { createSwitchyard, type Switchyard, type SwitchyardOptions } from '../engine/switchyard.js';
import { createSimulatedAdapterFactory } from '../providers/simulated/index.js';
import { naiveConfig, naiveProviderMachine } from './naive.js';
import { buildReport, type Policy, type SimulationReport } from './report.js';
import type { Scenario } from './scenario.js';
import { RunStats, type Timeline } from './stats.js';
import { TrafficSource } from './traffic.js';

/**
 * Streamed parts in a simulation are at least this far apart, so a typical stream is its
 * first part (at the time to first token) and its finish (when the whole answer would
 * end): the same timing and outcomes as token-by-token parts, since a simulated stream
 * never fails midway and nothing in a report counts parts, with two timers instead of one
 * per part.
 */
export const SIM_PART_INTERVAL_MS = 60_000;

export interface RunOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** @default 'switchyard' */
  policy?: Policy;
  /** Called now and then with the share of simulated time done (0..1). */
  onProgress?: (done: number) => void;
  /** How pending promise reactions run after each step (see {@link DRAIN_ROUNDS}). @default 'microtasks' */
  drain?: 'microtasks' | 'event-loop';
  /** Builds the engine; a benchmark swaps in a stub to measure the simulator alone. @default createSwitchyard */
  createEngine?: (config: unknown, options: SwitchyardOptions) => SimulatedEngine;
}

/** The part of the engine the simulator drives. */
export type SimulatedEngine = Pick<Switchyard, 'chat' | 'stream' | 'on' | 'providers' | 'stop' | 'inFlight' | 'config'>;

/** A finished run: the report, plus the timeline the chart draws. */
export interface RunResult {
  report: SimulationReport;
  timeline: Timeline;
  providers: string[];
}

/** How often (in simulated ms) progress is reported. */
const PROGRESS_EVERY_MS = 5_000;

/**
 * Runs `scenario` to its end, lets the requests still under way finish, and reports.
 * @example
 * const { report } = await runScenario(loadScenario('examples/scenarios/primary-outage.yaml'));
 */
export async function runScenario(scenario: Scenario, options: RunOptions = {}): Promise<RunResult> {
  const seed = options.seed ?? scenario.seed;
  const policy = options.policy ?? 'switchyard';
  const clock = new VirtualClock(0);
  const config = policy === 'naive' ? naiveConfig(scenario.rawConfig, scenario.config, scenario.traffic.route) : scenario.rawConfig;
  const engine = (options.createEngine ?? createSwitchyard)(config, {
    clock,
    seed,
    env: {},
    adapters: { simulated: createSimulatedAdapterFactory({ minPartIntervalMs: SIM_PART_INTERVAL_MS }) },
    ...(policy === 'naive' ? { providerMachine: naiveProviderMachine } : {}),
  });
  const endMs = scenario.durationS * 1000;
  const providers = engine.providers();
  const names = providers.map((p) => p.name);
  const stats = new RunStats(names, providers.map((p) => p.state), 0, endMs);
  engine.on('request.finished', (event) => stats.onRequest(event));
  engine.on('state.changed', (event) => stats.onState(event));

  const traffic = new TrafficSource(scenario.traffic, seed);
  // A request still under way this long after the end can only be a bug: stop there.
  const hardStopMs = endMs + engine.config.routing.deadlineMs + 60_000;
  const drain = options.drain === 'event-loop' ? drainEventLoop : drainMicrotasks;
  let nextProgress = PROGRESS_EVERY_MS;
  for (;;) {
    const arrivalAt = traffic.peek();
    const timerAt = clock.nextDeadline() ?? Infinity;
    if (arrivalAt < endMs && arrivalAt <= timerAt) {
      clock.advanceSync(arrivalAt - clock.now());
      const arrival = traffic.take();
      if (arrival.stream) void consume(engine.stream(arrival.request));
      else engine.chat(arrival.request).catch(ignore);
    } else if (timerAt !== Infinity && timerAt <= hardStopMs && (timerAt < endMs || engine.inFlight > 0)) {
      clock.advanceSync(timerAt - clock.now());
    } else {
      break;
    }
    await drain();
    if (options.onProgress !== undefined && clock.now() >= nextProgress) {
      nextProgress = clock.now() + PROGRESS_EVERY_MS;
      options.onProgress(Math.min(1, clock.now() / endMs));
    }
  }
  stats.finish();
  await engine.stop();
  options.onProgress?.(1);
  const report = buildReport(stats, { scenario: scenario.name, policy, seed, durationS: scenario.durationS });
  return { report, timeline: stats.timeline, providers: names };
}

/** Reads a stream to its end (its outcome reaches the stats through the engine's events). */
async function consume(stream: AsyncIterable<unknown>): Promise<void> {
  try {
    for await (const _part of stream) {
      // parts are not needed: the request.finished event carries the outcome
    }
  } catch {
    // the failure is reported by request.finished
  }
}

function ignore(): void {}

/**
 * Promise rounds run after each step. The deepest chain of the engine (a stream's part
 * reaching the consumer and the adapter arming its next timer; an attempt's slot taken in a
 * promise job, one round after the router enters `attempting`) needs about 9; a test checks
 * that every example scenario gives the same report as a full event-loop turn per step.
 */
export const DRAIN_ROUNDS = 16;

const SETTLED = Promise.resolve();

/** {@link DRAIN_ROUNDS} promise rounds as one chain of `then()`s: half the cost of as many `await`s. */
function drainMicrotasks(): Promise<void> {
  let chain = SETTLED;
  for (let i = 0; i < DRAIN_ROUNDS; i++) chain = chain.then();
  return chain;
}

/** A full event-loop turn: slower, but empties every queue (the reference for the test above). */
function drainEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
