/**
 * The set of provider handles, kept in step with the configuration: a provider whose
 * adapter settings (type, URL, model, credential, headers, options) are unchanged keeps its
 * actor, its health and its adapter.
 */
import type { InspectionEvent, Observer } from 'xstate';
import type { ProviderConfig, SwitchyardConfig } from '../config/types.js';
import type { AdapterFactory, ProviderAdapter, ProviderSettings } from '../core/adapter.js';
import type { Clock, TimerHandle } from '../core/clock.js';
import { hashString } from '../core/random.js';
import { createAdapter } from '../providers/registry.js';
import { ProviderHandle, type ProviderMachine } from './provider-handle.js';

export interface ProviderPoolOptions {
  clock: Clock;
  seed: number;
  fetch: typeof fetch;
  adapters: Record<string, AdapterFactory>;
  machine: ProviderMachine;
  inspect: Observer<InspectionEvent> | ((event: InspectionEvent) => void) | undefined;
  onStateChange: (handle: ProviderHandle, from: string, to: string) => void;
  onError: (error: unknown) => void;
}

/** Live provider handles by name, in configuration order. */
export class ProviderPool {
  readonly handles = new Map<string, ProviderHandle>();
  private readonly startedAt: number;
  /** The adapter settings each live handle was built from (JSON). */
  private readonly keys = new WeakMap<ProviderHandle, string>();
  /** Replaced or removed providers whose actor still waits for attempts to report. */
  private readonly draining = new Set<ProviderHandle>();
  /** Adapters of replaced or removed providers, and the timer that will close each. */
  private readonly retired = new Map<ProviderAdapter, TimerHandle>();
  /** The longest request deadline of any configuration applied so far. */
  private longestDeadlineMs = 0;

  constructor(private readonly options: ProviderPoolOptions) {
    this.startedAt = options.clock.now();
  }

  /**
   * Creates, updates and removes handles so that they match `config`, all or nothing: every
   * new adapter and actor is built before anything changes, so a factory (or an inspection
   * observer) that throws leaves the pool as it was. A provider whose adapter settings (type,
   * URL, model, credential, headers, options) are unchanged keeps its actor, its health and
   * its adapter; any other is a new upstream with a fresh actor. Replaced and removed
   * adapters are closed once every request that may still use them has ended (after the
   * longest `routing.deadlineMs` applied so far), or at `stopAll()`.
   */
  apply(config: SwitchyardConfig): void {
    const plan: { provider: ProviderConfig; existing: ProviderHandle | undefined; fresh: ProviderHandle | undefined }[] = [];
    const built: ProviderHandle[] = [];
    const adapters: ProviderAdapter[] = [];
    try {
      for (const provider of config.providers) {
        const settings = this.settingsOf(provider);
        const key = JSON.stringify(settings);
        const existing = this.handles.get(provider.name);
        if (existing !== undefined && this.keys.get(existing) === key) {
          plan.push({ provider, existing, fresh: undefined });
          continue;
        }
        const adapter = this.build(provider, settings);
        adapters.push(adapter);
        const fresh = new ProviderHandle({
          config: provider,
          adapter,
          health: config.health,
          machine: this.options.machine,
          clock: this.options.clock,
          seed: hashString(provider.name, this.options.seed),
          inspect: this.options.inspect,
          onStateChange: this.options.onStateChange,
          onError: this.options.onError,
          drainingInFlight: (name) => this.drainingInFlight(name),
        });
        built.push(fresh);
        this.keys.set(fresh, key);
        plan.push({ provider, existing, fresh });
      }
      // Started before anything is swapped: a fresh actor sits in its initial state with no
      // timer, and starting one can throw (an inspection observer).
      for (const handle of built) handle.start();
    } catch (error) {
      for (const handle of built) handle.stop();
      // Close what this reload built, once, unless a live provider uses it (a factory may
      // hand out the same adapter object again) or its close is already planned.
      for (const adapter of new Set(adapters)) if (!this.inUse(adapter)) void this.closeQuietly(adapter);
      throw error;
    }

    // Requests started under an earlier configuration live by its deadline.
    this.longestDeadlineMs = Math.max(this.longestDeadlineMs, config.routing.deadlineMs);
    for (const handle of this.draining) if (handle.stopped) this.draining.delete(handle);
    const next = new Map<string, ProviderHandle>();
    const replaced: ProviderHandle[] = [];
    for (const { provider, existing, fresh } of plan) {
      if (fresh === undefined) {
        existing!.config = provider;
        existing!.actor.send({ type: 'config.update', at: this.options.clock.now(), health: config.health });
        next.set(provider.name, existing!);
        continue;
      }
      if (existing !== undefined) replaced.push(existing);
      next.set(provider.name, fresh);
    }
    for (const [name, handle] of this.handles) if (!next.has(name)) replaced.push(handle);
    this.handles.clear();
    for (const [name, handle] of next) this.handles.set(name, handle);
    // An adapter handed out again (a pooling factory) is live: its planned close is off.
    for (const handle of next.values()) {
      const timer = this.retired.get(handle.adapter);
      if (timer === undefined) continue;
      this.options.clock.clearTimeout(timer);
      this.retired.delete(handle.adapter);
    }
    for (const handle of replaced) this.retire(handle, next.get(handle.name));
  }

  /**
   * Attempts still running under `name` on actors a reload replaced or removed (a removed
   * provider may have been added back since): counted by name, whatever the chain of reloads.
   */
  drainingInFlight(name: string): number {
    if (this.draining.size === 0) return 0;
    let count = 0;
    for (const handle of this.draining) if (handle.name === name) count += handle.view.inFlight;
    return count;
  }

  /** Stops every actor and closes every adapter, retired ones included. */
  async stopAll(): Promise<void> {
    const closing: Promise<void>[] = [];
    const adapters = new Set<ProviderAdapter>();
    for (const handle of this.handles.values()) {
      handle.stop();
      adapters.add(handle.adapter);
    }
    for (const handle of this.draining) handle.stop();
    this.draining.clear();
    for (const [adapter, timer] of this.retired) {
      this.options.clock.clearTimeout(timer);
      adapters.add(adapter);
    }
    this.retired.clear();
    for (const adapter of adapters) closing.push(this.closeQuietly(adapter));
    await Promise.all(closing);
  }

  /**
   * Takes a replaced or removed handle out of service: its actor stops once the attempts
   * holding a slot on it have reported, and its adapter is closed once requests that may use
   * it have ended (unless a live handle shares it, or its close is already planned).
   * `successor` is the handle that replaced it, if any: requests under way move to it.
   */
  private retire(handle: ProviderHandle, successor: ProviderHandle | undefined): void {
    handle.retire(successor);
    if (!handle.stopped) this.draining.add(handle);
    this.keys.delete(handle);
    const adapter = handle.adapter;
    if (adapter.close === undefined || this.inUse(adapter)) return;
    const timer = this.options.clock.setTimeout(() => {
      this.retired.delete(adapter);
      void this.closeQuietly(adapter);
    }, this.longestDeadlineMs);
    // Housekeeping must not keep a process alive that has nothing else to do (Node's timers
    // can be unref'd; a virtual clock's cannot and need not).
    (timer as { unref?: () => void }).unref?.();
    this.retired.set(adapter, timer);
  }

  /** A live provider uses `adapter`, or its close is already planned: not to be closed now. */
  private inUse(adapter: ProviderAdapter): boolean {
    if (this.retired.has(adapter)) return true;
    for (const live of this.handles.values()) if (live.adapter === adapter) return true;
    return false;
  }

  /** Closes an adapter; a close that throws or rejects is reported, never fatal. */
  private closeQuietly(adapter: ProviderAdapter): Promise<void> {
    try {
      return Promise.resolve(adapter.close?.()).catch(this.options.onError);
    } catch (error) {
      this.options.onError(error);
      return Promise.resolve();
    }
  }

  /** What the adapter of `provider` is built from; equal settings, same adapter. */
  private settingsOf(provider: ProviderConfig): ProviderSettings {
    return {
      name: provider.name,
      type: provider.type,
      baseUrl: provider.baseUrl,
      // Sent trimmed: a key read from a file or an environment variable may carry whitespace.
      apiKey: provider.apiKey?.trim() || undefined,
      model: provider.model,
      headers: provider.headers,
      options: { ...provider.options, ...(provider.simulated ?? {}) },
    };
  }

  private build(provider: ProviderConfig, settings: ProviderSettings): ProviderAdapter {
    const environment = { clock: this.options.clock, fetch: this.options.fetch, seed: this.options.seed, startedAt: this.startedAt };
    const factory = this.options.adapters[provider.type];
    return factory !== undefined ? factory(settings, environment) : createAdapter(settings, environment);
  }
}
