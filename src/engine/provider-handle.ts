/**
 * One configured provider inside the engine: its long-lived actor, its adapter, and a live
 * view of its state refreshed on every snapshot, so that selection reads plain fields.
 */
import { createActor, type Actor, type InspectionEvent, type Observer } from 'xstate';
import { providerMachine, providerStateName } from '../../machines/provider.machine.js';
import { TAGS, type ProviderStats } from '../../machines/provider.types.js';
import type { AttemptTarget, RouteCandidate } from '../../machines/router.types.js';
import type { HealthConfig, ProviderConfig } from '../config/types.js';
import type { ProviderAdapter } from '../core/adapter.js';
import type { ChatRequest } from '../core/types.js';
import type { Clock } from '../core/clock.js';

/** The provider machine, or a user's extension of it (see docs/extending.md). */
export type ProviderMachine = typeof providerMachine;

/** Context fields of the provider machine that the engine reads. */
interface ProviderView {
  inFlight: number;
  /** Probe permits out (half_open); absent in a custom machine without probes. */
  probesInFlight?: number;
  latencyMs: number | undefined;
  health: HealthConfig;
  consecutiveFailures: number;
  cooldownUntil: number | undefined;
  rateLimitedUntil: number | undefined;
  disabledReason: string | undefined;
  tripCount: number;
  stats: ProviderStats;
}

export interface ProviderHandleOptions {
  config: ProviderConfig;
  adapter: ProviderAdapter;
  health: HealthConfig;
  machine: ProviderMachine;
  clock: Clock;
  seed: number;
  inspect: Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined;
  /** Called on every state change (not on every snapshot). */
  onStateChange: (handle: ProviderHandle, from: string, to: string) => void;
  onError: (error: unknown) => void;
  /**
   * Attempts still running under this name on actors a reload replaced or removed (they
   * report to the actor that granted their slot). @default none
   */
  drainingInFlight?: (name: string) => number;
}

/** A provider's actor and adapter, with its current state cached as fields. */
export class ProviderHandle implements AttemptTarget {
  readonly name: string;
  config: ProviderConfig;
  adapter: ProviderAdapter;
  readonly actor: Actor<ProviderMachine>;
  state = '';
  /** The state has tag `selectable`. */
  private tagSelectable = false;
  /** The state has tag `probe` (half_open): it admits a limited number of trial calls. */
  probing = false;
  degraded = false;
  view: ProviderView;
  /** Attempts planned on this provider that have not asked for their slot yet. */
  planned = 0;
  readonly clock: Clock;
  /**
   * Set once a reload replaced or removed this provider: it takes no new attempt, and its
   * actor stops as soon as no attempt holds a slot on it (those still report to it).
   */
  retired = false;
  /** The provider that replaced this one under the same name (a reload changed its upstream). */
  successor: ProviderHandle | undefined;

  private readonly countDraining: ((name: string) => number) | undefined;

  constructor(options: ProviderHandleOptions) {
    this.name = options.config.name;
    this.countDraining = options.drainingInFlight;
    this.clock = options.clock;
    this.config = options.config;
    this.adapter = options.adapter;
    this.actor = createActor(options.machine, {
      input: { name: this.name, health: options.health, seed: options.seed, now: options.clock.now() },
      clock: options.clock,
      ...(options.inspect === undefined ? {} : { inspect: options.inspect }),
    });
    this.view = this.actor.getSnapshot().context as ProviderView;
    this.refresh(options);
    this.actor.subscribe({
      next: () => this.refresh(options),
      error: options.onError,
    });
  }

  /**
   * May get traffic: a `selectable` state, or a probing state (half_open) with a probe permit
   * left once the attempts already planned on it take theirs. With every permit spoken for it
   * would deny the slot, so strategies and the capability filter look elsewhere instead of
   * planning a refused attempt (also for requests started in the same tick).
   */
  get selectable(): boolean {
    if (this.tagSelectable) return true;
    if (!this.probing) return false;
    const probes = this.view.probesInFlight;
    return probes === undefined || probes + this.planned < this.view.health.halfOpenProbes;
  }

  get timeoutMs(): number {
    return this.config.timeoutMs;
  }

  get pricing() {
    return this.config.pricing;
  }

  notePlanned(delta: 1 | -1): void {
    this.planned += delta;
  }

  start(): void {
    this.actor.start();
  }

  stop(): void {
    this.actor.stop();
  }

  /**
   * Takes this provider out of service after a reload: never selectable again, no more
   * state-change events, and its actor stops once the attempts that hold a slot on it have
   * reported (at once when none does). `successor` takes its place under the same name.
   */
  retire(successor: ProviderHandle | undefined): void {
    this.retired = true;
    this.successor = successor;
    this.tagSelectable = false;
    this.probing = false;
    // Not a state of the machine: no panic attempt and no Retry-After comes from it.
    this.state = 'retired';
    this.stopWhenIdle();
  }

  /**
   * Attempts still running under this provider's name on actors a reload replaced or
   * removed: part of what the provider of this name has in flight, for `/providers` and for
   * least-busy.
   */
  get drainingInFlight(): number {
    return this.countDraining?.(this.name) ?? 0;
  }

  /** True once its actor is stopped (by `stop()`, or a retired provider's last report). */
  get stopped(): boolean {
    return this.actor.getSnapshot().status === 'stopped';
  }

  /** A retired provider's actor stops once no attempt holds a slot on it. */
  private stopWhenIdle(): void {
    if (!(this.view.inFlight > 0) && this.actor.getSnapshot().status === 'active') this.actor.stop();
  }

  private refresh(options: ProviderHandleOptions): void {
    const snapshot = this.actor.getSnapshot();
    if (this.retired) {
      this.view = snapshot.context as ProviderView;
      this.stopWhenIdle();
      return;
    }
    const previous = this.state;
    this.view = snapshot.context as ProviderView;
    this.state = providerStateName(snapshot);
    this.tagSelectable = snapshot.hasTag(TAGS.selectable);
    this.probing = snapshot.hasTag(TAGS.probe);
    this.degraded = snapshot.hasTag(TAGS.degraded);
    if (previous !== '' && previous !== this.state) options.onStateChange(this, previous, this.state);
  }
}

/**
 * A provider's place in one route: the route-specific index plus the shared live view. A
 * route built before a reload keeps working for the requests that use it: a member whose
 * provider was replaced reads (and calls) the replacement.
 */
export class RouteMember implements RouteCandidate {
  private live: ProviderHandle;
  /** The provider's configuration when the route was built (a reload replaces the object). */
  private readonly builtConfig: ProviderConfig;

  constructor(
    private readonly built: ProviderHandle,
    readonly index: number,
  ) {
    this.live = built;
    this.builtConfig = built.config;
  }

  /** The provider of this name now: the one it was built with, or what replaced it since. */
  get handle(): ProviderHandle {
    let handle = this.live;
    if (handle.successor === undefined) return handle;
    while (handle.successor !== undefined) handle = handle.successor;
    this.live = handle;
    return handle;
  }

  target(request?: ChatRequest, requiredTokens?: number): AttemptTarget | undefined {
    const handle = this.handle;
    if (handle.retired) return undefined;
    // A replacement, or a new configuration of the same provider (a smaller `contextWindow`),
    // was not there when the request's candidates were filtered. Ask it now.
    const changed = handle !== this.built || handle.config !== this.builtConfig;
    if (changed && request !== undefined && !admits(handle, request, requiredTokens)) return undefined;
    return handle;
  }

  /** What a serialized router snapshot shows of it (the inspection feed): not the handle. */
  toJSON(): { name: string; index: number } {
    return { name: this.name, index: this.index };
  }

  get name(): string {
    return this.handle.name;
  }
  get actor() {
    return this.handle.actor;
  }
  get adapter(): ProviderAdapter {
    return this.handle.adapter;
  }
  get timeoutMs(): number {
    return this.handle.config.timeoutMs;
  }
  get priority(): number {
    return this.handle.config.priority;
  }
  get weight(): number {
    return this.handle.config.weight;
  }
  get pricing() {
    return this.handle.config.pricing;
  }
  get contextWindow() {
    return this.handle.config.contextWindow;
  }
  get capabilities(): readonly string[] {
    return this.handle.config.capabilities;
  }
  get selectable(): boolean {
    return this.handle.selectable;
  }
  get degraded(): boolean {
    return this.handle.degraded;
  }
  get state(): string {
    return this.handle.state;
  }
  get latencyMs(): number | undefined {
    return this.handle.view.latencyMs;
  }
  /**
   * True when the latest latency sample is older than the health window and no call is under
   * way: least-latency may measure this provider again (docs/routing.md).
   */
  get latencyStale(): boolean {
    const view = this.handle.view;
    const at = view.stats.latencyAt;
    return at !== undefined && this.handle.clock.now() - at > view.health.windowMs && this.inFlight === 0;
  }
  /**
   * Calls under way (also those still running on an actor a reload replaced) plus attempts
   * planned in this tick that have not taken their slot yet.
   */
  get inFlight(): number {
    const handle = this.handle;
    return handle.view.inFlight + handle.drainingInFlight + handle.planned;
  }
  notePlanned(delta: 1 | -1): void {
    this.handle.notePlanned(delta);
  }
  get cooldownUntil(): number | undefined {
    return this.handle.view.cooldownUntil;
  }
  get rateLimitedUntil(): number | undefined {
    return this.handle.view.rateLimitedUntil;
  }
}

/**
 * Whether a provider that replaced a request's candidate (or was reconfigured) can take the
 * request: its adapter does not refuse it (`ProviderAdapter.refuses`) and it fits the
 * provider's context window, judged as the engine judges a request's candidates when it
 * starts (src/engine/tokens.ts): by the cheap estimate, and by the provider's own estimator
 * only when that estimate reaches half the window.
 */
function admits(handle: ProviderHandle, request: ChatRequest, requiredTokens: number | undefined): boolean {
  const adapter = handle.adapter;
  if (adapter.refuses?.(request) !== undefined) return false;
  const window = handle.config.contextWindow;
  if (window === undefined || requiredTokens === undefined) return true;
  if (requiredTokens < window / 2 || adapter.estimateInputTokens === undefined) return requiredTokens <= window;
  return adapter.estimateInputTokens(request) + (request.maxTokens ?? 0) <= window;
}
