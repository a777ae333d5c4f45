/**
 * Turns a provider's decoded wire events into `stream()`'s parts. Adapters write only a
 * {@link StreamEventMapper}; this module enforces the stream rules for all of them: parts
 * in order, exactly one `finish` last, and a wire that ends before its terminator is `malformed`.
 */
import type { CallContext } from '../../core/adapter.js';
import type { StreamPart } from '../../core/types.js';
import type { Upstream, UpstreamEvents } from './upstream.js';

/** The closing part of a stream. */
export type FinishPart = Extract<StreamPart, { type: 'finish' }>;

/** What one wire event means: the parts it carries and whether it is the terminator. */
export interface MapStep {
  parts?: readonly StreamPart[];
  /** True on the provider's terminator (`[DONE]`, `message_stop`, `done: true`): reading stops. */
  done?: boolean;
}

/**
 * A provider's stream translation, one instance per call (it may keep state: usage, finish
 * reason, tool-call indexes). Throw `upstream.errorFromPayload(...)` for an in-stream error event.
 */
export interface StreamEventMapper<E> {
  /** Maps one decoded wire event. */
  map(event: E): MapStep;
  /** The upstream model named by the wire so far, if any (put on the stream's first part). */
  model?(): string | undefined;
  /**
   * Called once when the wire ends (after `done`, or at end of body): the `finish` part, or
   * `undefined` when the stream ended too early (it then fails as `malformed`).
   */
  finish(): FinishPart | undefined;
}

/**
 * The `stream()` of an adapter: runs `events` (lazily; the request is sent on the first
 * `next()`) through `mapper`. Every failure is a classified ProviderError; breaking out of the
 * loop cancels the upstream body.
 */
export async function* mapStream<E>(
  upstream: Upstream,
  events: AsyncIterable<E>,
  mapper: StreamEventMapper<E>,
  context: CallContext,
): AsyncGenerator<StreamPart> {
  let first = true;
  try {
    for await (const event of events) {
      const step = mapper.map(event);
      if (step.parts !== undefined && step.parts.length > 0) {
        if (first) {
          first = false;
          const [head, ...rest] = step.parts;
          const model = mapper.model?.();
          yield model !== undefined && (head!.type === 'text-delta' || head!.type === 'tool-call-delta') ? { ...head!, model } : head!;
          yield* rest;
        } else yield* step.parts;
      }
      if (step.done) {
        // What may follow the terminator (the body's end) must not cost the connection.
        (events as Partial<Pick<UpstreamEvents<E>, 'release'>>).release?.();
        break;
      }
    }
    const finish = mapper.finish();
    if (finish === undefined) throw upstream.malformed('stream ended before its terminator');
    yield finish;
  } catch (error) {
    throw upstream.classify(error, context);
  }
}

/** A stream that fails on its first `next()`: for a request refused before anything is sent. */
export async function* failedStream(error: Error): AsyncGenerator<StreamPart> {
  throw error;
}
