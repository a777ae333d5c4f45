/**
 * Server-sent events out to the client, with backpressure: when `write()` returns false
 * the writer waits for `drain` (or for the client to go away) before writing more.
 */
import type { ServerResponse } from 'node:http';

/** Writes SSE frames to one response. */
export class SseWriter {
  private closed = false;

  constructor(private readonly res: ServerResponse) {
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
      const done = () => {
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
