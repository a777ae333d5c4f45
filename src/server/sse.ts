/**
 * Server-sent events out to the client, with backpressure: when `write()` returns false
 * the writer waits for `drain` (or for the client to go away) before writing more. A client
 * that stops reading for {@link STALL_MS} is cut off, so it cannot hold a socket and a
 * handler forever (its upstream call is cancelled with it).
 */
import type { ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.js';

/** How long a client may leave a full buffer unread before its stream is cut off. */
export const STALL_MS = 30_000;

/** Writes SSE frames to one response. */
export class SseWriter {
  private closed = false;

  constructor(
    private readonly res: ServerResponse,
    private readonly clock: Clock,
    private readonly stallMs = STALL_MS,
  ) {
    res.once('close', () => {
      this.closed = true;
    });
  }

  /** Whether the client is gone. */
  get isClosed(): boolean {
    return this.closed || this.res.destroyed;
  }

  /** Writes one `data:` frame; resolves when more may be written. */
  async data(payload: string): Promise<void> {
    if (this.isClosed) return;
    if (this.res.write(`data: ${payload}\n\n`)) return;
    await new Promise<void>((resolve) => {
      const stalled = this.clock.setTimeout(() => this.res.destroy(), this.stallMs);
      const done = () => {
        this.clock.clearTimeout(stalled);
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  /** Ends the response. */
  end(): void {
    if (!this.res.writableEnded) this.res.end();
  }
}
