/**
 * Active health checks: every `probeIntervalMs`, each provider whose adapter can check its
 * upstream is checked, and the result is sent to its actor (`check.passed` / `check.failed`).
 *
 * A provider has at most one check under way: a check still running at the next interval is
 * not doubled. A check that does not settle within the provider's `timeoutMs` is aborted and
 * counts as failed at that moment, whether or not the adapter honours the abort; whatever it
 * settles to later is ignored. So a check that never settles (a custom `check()` that ignores
 * its signal) costs its provider one failed check per interval and nothing else: the other
 * providers' checks go on.
 */
import type { Clock } from '../core/clock.js';
import type { ProviderHandle } from './provider-handle.js';
import type { ProviderPool } from './provider-pool.js';

export class HealthChecks {
  private timer: ReturnType<Clock['setTimeout']> | undefined;
  private intervalMs = 0;
  /** Checks under way, by provider: each ends its own by calling it (with its verdict, or none). */
  private readonly running = new Map<ProviderHandle, (verdict?: 'check.passed' | 'check.failed') => void>();

  constructor(
    private readonly clock: Clock,
    private readonly pool: ProviderPool,
  ) {}

  /** Starts, restarts or (with 0) stops the checks. */
  apply(intervalMs: number): void {
    if (intervalMs === this.intervalMs) return;
    this.intervalMs = intervalMs;
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    if (intervalMs <= 0) {
      for (const end of [...this.running.values()]) end();
      return;
    }
    this.schedule();
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.runOnce();
      if (this.intervalMs > 0) this.schedule();
    }, this.intervalMs);
  }

  private runOnce(): void {
    for (const handle of this.pool.handles.values()) {
      if (handle.adapter.check === undefined || handle.state === 'disabled' || this.running.has(handle)) continue;
      this.start(handle);
    }
  }

  private start(handle: ProviderHandle): void {
    const controller = new AbortController();
    const end = (verdict?: 'check.passed' | 'check.failed') => {
      if (this.running.get(handle) !== end) return; // ended already (timed out, or checks stopped)
      this.running.delete(handle);
      this.clock.clearTimeout(timeout);
      controller.abort();
      // A provider replaced or removed by a reload meanwhile has a stopped actor: its verdict is moot.
      if (verdict !== undefined && this.intervalMs > 0 && this.pool.handles.get(handle.name) === handle) handle.actor.send({ type: verdict, at: this.clock.now() });
    };
    const timeout = this.clock.setTimeout(() => end('check.failed'), handle.config.timeoutMs);
    this.running.set(handle, end);
    let checked: Promise<void>;
    try {
      checked = Promise.resolve(handle.adapter.check!.call(handle.adapter, { signal: controller.signal, clock: this.clock, requestId: `check-${handle.name}` }));
    } catch (error) {
      checked = Promise.reject(error); // a check that throws instead of rejecting fails all the same
    }
    checked.then(
      () => end('check.passed'),
      () => end('check.failed'),
    );
  }
}
