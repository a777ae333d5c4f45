/**
 * A streamed answer as the library returns it. Failover happens before the first part; the
 * stream is committed to one provider from then on, and a later failure ends it with one
 * `error` part.
 */
import type { Actor } from 'xstate';
import type { routerMachine } from '../../machines/router.machine.js';
import type { CommittedStream, RouterEvent, RouterOutput } from '../../machines/router.types.js';
import { ProviderError, RequestError, toProviderError } from '../core/errors.js';
import type { StreamPart, Usage } from '../core/types.js';

/** What is known once a stream is committed to a provider. */
export interface StreamInfo {
  requestId: string;
  route: string;
  provider: string;
  /** Upstream calls made before this one answered (failed attempts). */
  failedAttempts: number;
}

/** What a stream learns for the engine's `request.finished` event: its finish part's warnings. */
export interface StreamNotes {
  warnings?: string[];
}

/**
 * An async iterable of {@link StreamPart}s. Iterate it once. `info` resolves when the first
 * part arrives (the provider is known), or rejects with the {@link RequestError} that ended
 * the request before that; iterating then throws the same error.
 *
 * The request starts at once and holds its attempt (a provider slot, an upstream call) until
 * the stream is read to its end, its iteration stops (`break`, `return()`, even before the
 * first part), {@link cancel} is called, or the deadline passes: a stream you decide not to
 * read, `cancel()` it, as you would an unread `fetch` body.
 */
export class ChatStream implements AsyncIterable<StreamPart> {
  readonly info: Promise<StreamInfo>;
  private readonly committed: Promise<CommittedStream>;
  private readonly done: Promise<RouterOutput>;
  private readonly send: (event: RouterEvent) => void;
  private iterated = false;

  /** A stream driven by a started router actor. */
  static fromRouter(router: Actor<typeof routerMachine>, done: Promise<RouterOutput>, meta: { requestId: string; route: string; notes: StreamNotes }): ChatStream {
    const committed = new Promise<CommittedStream>((resolve, reject) => {
      let isCommitted = false;
      router.on('stream.committed', (event) => {
        isCommitted = true;
        resolve(event.stream);
      });
      // If the request ends without committing, `done` carries the error.
      done.then((output) => {
        if (isCommitted) return;
        reject(output.ok ? new RequestError({ code: 'all_attempts_failed', message: 'stream ended before it started' }) : output.error);
      }, reject);
    });
    const info = committed.then((stream) => ({
      requestId: meta.requestId,
      route: meta.route,
      provider: stream.provider,
      failedAttempts: router.getSnapshot().context.attempts.length,
    }));
    // Once the router has stopped (deadline, abort), there is nobody left to tell.
    const send = (event: RouterEvent) => {
      if (router.getSnapshot().status === 'active') router.send(event);
    };
    return new ChatStream(committed, info, done, send, meta.notes);
  }

  /** A stream that failed before any router started (invalid request, unknown model). */
  static failed(error: unknown): ChatStream {
    const rejected = Promise.reject(error);
    rejected.catch(() => undefined);
    const output: RouterOutput = { ok: false, error: error as RequestError, attempts: [] };
    return new ChatStream(rejected as Promise<never>, rejected as Promise<never>, Promise.resolve(output), () => undefined, {});
  }

  private constructor(
    committed: Promise<CommittedStream>,
    info: Promise<StreamInfo>,
    done: Promise<RouterOutput>,
    send: (event: RouterEvent) => void,
    private readonly notes: StreamNotes,
  ) {
    this.committed = committed;
    this.info = info;
    this.done = done;
    this.send = send;
    // The caller may never look at these; a rejection is surfaced by iteration instead.
    committed.catch(() => undefined);
    info.catch(() => undefined);
  }

  /** Ends the request now (as a client abort) unless it has finished; its slot and upstream call are released. */
  cancel(): void {
    this.send({ type: 'client.abort' });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<StreamPart> {
    const parts = this.parts();
    let started = false;
    // A generator stopped before its first `next()` never runs its `finally`: cancel here,
    // unless another iterator is the one reading the stream.
    const stopped = () => {
      if (!started && !this.iterated) this.cancel();
    };
    const iterator: AsyncIterableIterator<StreamPart> = {
      next: () => {
        started = true;
        return parts.next();
      },
      return: (value?: unknown) => {
        stopped();
        return parts.return(value as never);
      },
      throw: (error?: unknown) => {
        stopped();
        return parts.throw(error);
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  private async *parts(): AsyncGenerator<StreamPart> {
    if (this.iterated) throw new RequestError({ code: 'invalid_request', message: 'a stream can be iterated only once' });
    this.iterated = true;
    const stream = await this.committed;
    let usage: Usage | undefined;
    let warnings: string[] | undefined;
    let finished = false;
    try {
      let part: StreamPart = stream.first;
      for (;;) {
        if (part.type === 'error') throw part.error;
        if (part.type === 'finish') {
          usage = part.usage;
          warnings = part.warnings;
        }
        yield part;
        if (part.type === 'finish') break;
        const next = await stream.rest.next();
        if (next.done === true) {
          throw new ProviderError({ provider: stream.provider, kind: 'malformed', message: 'stream ended without a finish part' });
        }
        part = next.value;
      }
      finished = true;
      if (warnings !== undefined) this.notes.warnings = warnings;
      this.send({ type: 'stream.finished', usage: usage! });
    } catch (error) {
      finished = true;
      const providerError = toProviderError(stream.provider, error);
      this.send({ type: 'stream.failed', error: providerError });
      const output = await this.done;
      yield { type: 'error', error: output.ok ? providerError : output.error };
    } finally {
      // The consumer stopped early: cancel upstream and release the slot.
      if (!finished) this.send({ type: 'client.abort' });
    }
  }
}
