/**
 * The clock waits of one simulated call. They end early, with an `aborted`
 * {@link ProviderError}, when the call's signal aborts, and never leave a timer or a listener
 * behind. One abort listener serves every wait of the call (a stream waits once per part;
 * the simulator makes millions of waits).
 */
import type { Clock, TimerHandle } from '../../core/clock.js';
import { ProviderError } from '../../core/errors.js';

/** The error a simulated call ends with when its signal aborts. */
export function abortedError(provider: string, reason: unknown): ProviderError {
  return new ProviderError({ provider, kind: 'aborted', message: 'call aborted', cause: reason });
}

/** The waits of one call, one at a time; {@link CallWaits.close} when the call ends. */
export class CallWaits {
  private pending: { handle: TimerHandle | undefined; reject: (error: unknown) => void } | undefined;
  private listening = false;
  private readonly onAbort = (): void => {
    this.listening = false;
    const pending = this.pending;
    this.pending = undefined;
    if (pending === undefined) return;
    if (pending.handle !== undefined) this.clock.clearTimeout(pending.handle);
    pending.reject(abortedError(this.provider, this.signal.reason));
  };

  constructor(
    private readonly clock: Clock,
    private readonly signal: AbortSignal,
    private readonly provider: string,
  ) {}

  /** Resolves after `ms` on the clock; rejects as soon as the signal aborts. */
  pause(ms: number): Promise<void> {
    if (this.signal.aborted) return Promise.reject(abortedError(this.provider, this.signal.reason));
    // A zero-latency provider answers without a timer, so benchmarks measure the engine alone.
    if (ms <= 0) return Promise.resolve();
    this.listen();
    return new Promise((resolve, reject) => {
      const pending = { handle: undefined as TimerHandle | undefined, reject };
      pending.handle = this.clock.setTimeout(() => {
        if (this.pending === pending) this.pending = undefined;
        resolve();
      }, ms);
      this.pending = pending;
    });
  }

  /** Never resolves; rejects when the signal aborts (no timer involved). */
  untilAborted(): Promise<never> {
    if (this.signal.aborted) return Promise.reject(abortedError(this.provider, this.signal.reason));
    this.listen();
    return new Promise((_resolve, reject) => {
      this.pending = { handle: undefined, reject };
    });
  }

  /** Stops listening to the signal; a wait still pending keeps its timer until it fires. */
  close(): void {
    if (!this.listening) return;
    this.listening = false;
    this.signal.removeEventListener('abort', this.onAbort);
  }

  private listen(): void {
    if (this.listening) return;
    this.listening = true;
    this.signal.addEventListener('abort', this.onAbort, { once: true });
  }
}
