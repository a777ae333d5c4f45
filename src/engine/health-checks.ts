/**
 * Active health checks: every `probeIntervalMs`, each provider whose adapter can check its
 * upstream is checked, and the result is sent to its actor (`check.passed` / `check.failed`).
 */
import type { Clock, TimerHandle } from '../core/clock.js';
import type { ProviderPool } from './provider-pool.js';

export class HealthChecks {
  private timer: TimerHandle | undefined;
  private intervalMs = 0;
  private readonly running = new Set<AbortController>();

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
      for (const controller of this.running) controller.abort();
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
      const check = handle.adapter.check;
      if (check === undefined || handle.state === 'disabled' || this.running.size > this.pool.handles.size * 2) continue;
      const controller = new AbortController();
      const timeout = this.clock.setTimeout(() => controller.abort(), handle.config.timeoutMs);
      this.running.add(controller);
      check
        .call(handle.adapter, { signal: controller.signal, clock: this.clock, requestId: `check-${handle.name}` })
        .then(
          () => handle.actor.send({ type: 'check.passed', at: this.clock.now() }),
          () => {
            if (this.intervalMs > 0) handle.actor.send({ type: 'check.failed', at: this.clock.now() });
          },
        )
        .finally(() => {
          this.clock.clearTimeout(timeout);
          this.running.delete(controller);
        });
    }
  }
}
