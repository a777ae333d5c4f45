/**
 * Helpers for adapter tests: a call context on a virtual clock, stream collection, and
 * driving idle timeouts without real sleeps.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { AdapterEnvironment, CallContext } from '../../src/core/adapter.js';
import { VirtualClock } from '../../src/core/clock.js';
import { ProviderError } from '../../src/core/errors.js';
import type { StreamPart } from '../../src/core/types.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/server.js';
import type { FakeWire } from '../fakes/types.js';

/** Virtual start time: 2026-01-01T00:00:00Z (so HTTP-date headers give exact delays). */
export const START = Date.parse('2026-01-01T00:00:00Z');

/** A virtual clock, an environment on it, and a fresh context per call. */
export function createHarness(fetchImpl: typeof fetch = globalThis.fetch): {
  clock: VirtualClock;
  environment: AdapterEnvironment;
  context(controller?: AbortController): CallContext;
} {
  const clock = new VirtualClock(START);
  const environment: AdapterEnvironment = { clock, fetch: fetchImpl, seed: 1, startedAt: START };
  let n = 0;
  return {
    clock,
    environment,
    context: (controller = new AbortController()) => ({ signal: controller.signal, clock, requestId: `req-${++n}` }),
  };
}

/**
 * The usual adapter-test setup, registered in the calling file: one fake upstream speaking
 * `wire` for the file (started before its tests, closed after them), reset before each test,
 * and a fresh harness per test. Read `fake` and `harness` through the returned object.
 */
export function useFakeUpstream(wire: FakeWire): { readonly fake: FakeUpstream; readonly harness: ReturnType<typeof createHarness> } {
  let fake: FakeUpstream | undefined;
  let harness: ReturnType<typeof createHarness> | undefined;
  beforeAll(async () => {
    fake = await startFakeUpstream(wire);
  });
  afterAll(() => fake?.close());
  beforeEach(() => {
    fake!.reset();
    harness = createHarness();
  });
  return {
    get fake() {
      return fake!;
    },
    get harness() {
      return harness!;
    },
  };
}

/** Reads a whole stream. */
export async function collect(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

/** The error `promise` rejects with, as a ProviderError (fails the test otherwise). */
export async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    if (ProviderError.is(error)) return error;
    throw new Error(`expected a ProviderError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a failure, but the call succeeded');
}

/**
 * Lets real IO run and fires virtual timers in `stepMs` steps until `promise` settles
 * (event-loop turns, no sleeps). Gives up after `maxTurns`.
 */
export async function advanceUntilSettled<T>(clock: VirtualClock, promise: Promise<T>, stepMs: number, maxTurns = 5000): Promise<T> {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  watched.catch(() => undefined);
  for (let turn = 0; turn < maxTurns && !settled; turn++) {
    if (clock.pending > 0) await clock.advance(stepMs);
    await nextTurn();
  }
  return watched;
}

/** Assembles tool calls from stream deltas, by index. */
export function toolCallsOf(parts: StreamPart[]): { id: string | undefined; name: string | undefined; arguments: string }[] {
  const calls: { id: string | undefined; name: string | undefined; arguments: string }[] = [];
  for (const part of parts) {
    if (part.type !== 'tool-call-delta') continue;
    const call = (calls[part.index] ??= { id: undefined, name: undefined, arguments: '' });
    call.id ??= part.id;
    call.name ??= part.name;
    call.arguments += part.argumentsDelta;
  }
  return calls;
}

/** Concatenated text deltas. */
export function textOf(parts: StreamPart[]): string {
  return parts.map((part) => (part.type === 'text-delta' ? part.text : '')).join('');
}

/** `count` property names (`p0`, `p1`, …), for JSON schemas of a given size. */
export function names(count: number, prefix = 'p'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

/** `count` JSON-schema properties named as {@link names} gives them, each of `schema`. */
export function fields(count: number, schema: Record<string, unknown> = { type: 'string' }, prefix = 'p'): Record<string, Record<string, unknown>> {
  return Object.fromEntries(names(count, prefix).map((name) => [name, schema]));
}
