/**
 * The set of provider handles, kept in step with the configuration: a provider whose
 * upstream (type, URL, model, credential) is unchanged keeps its actor and its health.
 */
import type { InspectionEvent, Observer } from 'xstate';
import type { ProviderConfig, SwitchyardConfig } from '../config/types.js';
import type { AdapterFactory, ProviderSettings } from '../core/adapter.js';
import type { Clock } from '../core/clock.js';
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

  constructor(private readonly options: ProviderPoolOptions) {
    this.startedAt = options.clock.now();
  }

  /** Creates, updates and removes handles so that they match `config`. */
  apply(config: SwitchyardConfig): void {
    const next = new Map<string, ProviderHandle>();
    for (const provider of config.providers) {
      const existing = this.handles.get(provider.name);
      if (existing !== undefined && sameUpstream(existing.config, provider)) {
        existing.config = provider;
        existing.adapter = this.adapterFor(provider);
        existing.actor.send({ type: 'config.update', at: this.options.clock.now(), health: config.health });
        next.set(provider.name, existing);
        continue;
      }
      existing?.stop();
      const handle = new ProviderHandle({
        config: provider,
        adapter: this.adapterFor(provider),
        health: config.health,
        machine: this.options.machine,
        clock: this.options.clock,
        seed: hashString(provider.name, this.options.seed),
        inspect: this.options.inspect,
        onStateChange: this.options.onStateChange,
        onError: this.options.onError,
      });
      handle.start();
      next.set(provider.name, handle);
    }
    for (const [name, handle] of this.handles) {
      if (!next.has(name)) {
        handle.stop();
        void handle.adapter.close?.();
      }
    }
    this.handles.clear();
    for (const [name, handle] of next) this.handles.set(name, handle);
  }

  /** Stops every actor and closes every adapter. */
  async stopAll(): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const handle of this.handles.values()) {
      handle.stop();
      if (handle.adapter.close !== undefined) closing.push(handle.adapter.close());
    }
    await Promise.allSettled(closing);
  }

  private adapterFor(provider: ProviderConfig) {
    const settings: ProviderSettings = {
      name: provider.name,
      type: provider.type,
      baseUrl: provider.baseUrl,
      // Sent trimmed: a key read from a file or an environment variable may carry whitespace.
      apiKey: provider.apiKey?.trim() || undefined,
      model: provider.model,
      headers: provider.headers,
      options: { ...provider.options, ...(provider.simulated ?? {}) },
    };
    const environment = { clock: this.options.clock, fetch: this.options.fetch, seed: this.options.seed, startedAt: this.startedAt };
    const factory = this.options.adapters[provider.type];
    return factory !== undefined ? factory(settings, environment) : createAdapter(settings, environment);
  }
}

function sameUpstream(a: ProviderConfig, b: ProviderConfig): boolean {
  return (
    a.type === b.type && a.baseUrl === b.baseUrl && a.model === b.model && a.apiKey === b.apiKey && JSON.stringify(a.options) === JSON.stringify(b.options)
  );
}
