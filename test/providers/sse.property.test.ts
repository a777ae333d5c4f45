/**
 * SSE and NDJSON decoding are split-invariant: however the bytes are cut into chunks
 * (inside a line, inside a multi-byte character, between CR and LF), the events are the same.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseNdjson } from '../../src/providers/shared/ndjson.js';
import { parseSse, type SseEvent } from '../../src/providers/shared/sse.js';

const encoder = new TextEncoder();

async function* chunked(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let start = 0;
  for (const cut of [...new Set(cuts)].sort((a, b) => a - b)) {
    if (cut <= start || cut >= bytes.length) continue;
    yield bytes.slice(start, cut);
    start = cut;
  }
  yield bytes.slice(start);
}

async function all<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

// Field values: any text without line breaks (multi-byte characters included).
const lineText = fc.string({ unit: fc.oneof(fc.constantFrom('a', ' ', ':', '{', '"', 'é', '日', '🙂'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })) }).map((s) => s.replace(/[\r\n]/g, ''));
const eventArb = fc.record({
  event: fc.option(lineText.filter((s) => s.length > 0 && !s.startsWith(' ')), { nil: undefined }),
  id: fc.option(lineText.filter((s) => !s.includes('\0') && !s.startsWith(' ')), { nil: undefined }),
  data: fc.array(lineText, { minLength: 1, maxLength: 3 }),
  comment: fc.boolean(),
});
const newline = fc.constantFrom('\n', '\r\n', '\r');

describe('parseSse', () => {
  it('yields the same events however the bytes are split', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(eventArb, { maxLength: 6 }), newline, fc.array(fc.nat(), { maxLength: 12 }), async (events, nl, cuts) => {
        const text = events
          .map((e) => {
            const lines: string[] = [];
            if (e.comment) lines.push(': keep-alive');
            if (e.event !== undefined) lines.push(`event: ${e.event}`);
            if (e.id !== undefined) lines.push(`id: ${e.id}`);
            for (const line of e.data) lines.push(`data: ${line}`);
            return lines.join(nl) + nl + nl;
          })
          .join('');
        const bytes = encoder.encode(text);
        const whole = await all(parseSse(chunked(bytes, [])));
        const split = await all(parseSse(chunked(bytes, cuts.map((c) => c % (bytes.length + 1)))));
        const bytewise = await all(parseSse(chunked(bytes, Array.from(bytes.keys()))));
        expect(split).toEqual(whole);
        expect(bytewise).toEqual(whole);
        expect(whole.map((e: SseEvent) => ({ event: e.event, data: e.data }))).toEqual(
          events.map((e) => ({ event: e.event, data: e.data.join('\n') })),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('drops an incomplete last event (a cut-off stream is not a complete event)', async () => {
    const events = await all(parseSse(chunked(encoder.encode('data: one\n\ndata: tw'), [])));
    expect(events.map((e) => e.data)).toEqual(['one']);
  });
});

describe('parseNdjson', () => {
  it('yields the same lines however the bytes are split', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.json(), { maxLength: 8 }), fc.boolean(), fc.array(fc.nat(), { maxLength: 12 }), async (values, trailing, cuts) => {
        const text = values.join('\n') + (trailing ? '\n' : '');
        const bytes = encoder.encode(text);
        const split = await all(parseNdjson(chunked(bytes, cuts.map((c) => c % (bytes.length + 1)))));
        expect(split.map((line) => JSON.parse(line) as unknown)).toEqual(values.filter((v) => v.trim() !== '').map((v) => JSON.parse(v) as unknown));
      }),
      { numRuns: 300 },
    );
  });
});
