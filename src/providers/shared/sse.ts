/**
 * Server-Sent Events, parsed once for every provider with `eventsource-parser`. Pure over
 * byte chunks: how the bytes are split never changes the events (property-tested).
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';

/** One SSE event: `event` is `undefined` when the server sent no `event:` line. */
export type SseEvent = EventSourceMessage;

/** Largest event the parser will buffer (characters); protects against a runaway upstream. */
const MAX_EVENT_CHARS = 8 * 1024 * 1024;

/** Decodes SSE events from byte chunks. An incomplete event at the end of input is dropped (as in the spec). */
export async function* parseSse(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let pending: SseEvent[] = [];
  let failure: Error | undefined;
  const parser = createParser({
    onEvent: (event) => pending.push(event),
    onError: (error) => {
      if (error.type === 'max-buffer-size-exceeded') failure = error;
    },
    maxBufferSize: MAX_EVENT_CHARS,
  });
  const drain = function* (): Generator<SseEvent> {
    if (failure) throw failure;
    const batch = pending;
    pending = [];
    yield* batch;
  };
  let endsWithCr = false;
  const feed = (text: string): void => {
    if (text === '') return;
    parser.feed(text);
    endsWithCr = text.endsWith('\r');
  };
  for await (const chunk of chunks) {
    feed(decoder.decode(chunk, { stream: true }));
    yield* drain();
  }
  feed(decoder.decode());
  // The parser holds a final CR in case an LF follows; at end of input it is a line break.
  if (endsWithCr) parser.feed('\n');
  yield* drain();
}
