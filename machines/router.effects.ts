/**
 * The router's one IO effect: the upstream call of the current attempt, under its
 * per-attempt timeout on the engine clock. Its outcome comes back to the router as exactly
 * one event tagged with the attempt's `seq` (`call.done`, `call.failed` or `call.timeout`).
 */
import type { AnyActorRef } from 'xstate';
import { ProviderError } from '../src/core/errors.js';
import type { RouterContext } from './router.logic.js';
import type { AttemptResult, RouteCandidate, RouterInput } from './router.types.js';

/** Starts the call; returns a function that cancels it (a no-op once it has settled). */
export function startCall(context: RouterContext, self: AnyActorRef): () => void {
  const { input } = context;
  const { seq, candidate } = context.current!;
  const clock = input.clock;
  const controller = new AbortController();
  let settled = false;
  const timer = clock.setTimeout(() => {
    if (settled) return;
    settled = true;
    controller.abort(new ProviderError({ provider: candidate.name, kind: 'timeout', message: 'attempt timed out' }));
    self.send({ type: 'call.timeout', seq });
  }, candidate.timeoutMs);
  const settle = (event: { type: 'call.done'; seq: number; result: AttemptResult } | { type: 'call.failed'; seq: number; error: unknown }) => {
    if (settled) {
      // A stream that committed after its attempt was abandoned must not stay open.
      if (event.type === 'call.done' && event.result.type === 'stream') event.result.abort();
      return;
    }
    settled = true;
    clock.clearTimeout(timer);
    self.send(event);
  };
  callAdapter(candidate, input, controller).then(
    (result) => settle({ type: 'call.done', seq, result }),
    (error: unknown) => settle({ type: 'call.failed', seq, error }),
  );
  return () => {
    if (settled) return;
    settled = true;
    clock.clearTimeout(timer);
    controller.abort();
  };
}

/** Calls the adapter. A stream resolves once its first part has arrived: the commit point. */
async function callAdapter(candidate: RouteCandidate, input: RouterInput, controller: AbortController): Promise<AttemptResult> {
  const context = { signal: controller.signal, clock: input.clock, requestId: input.requestId };
  if (input.mode === 'chat') return { type: 'response', response: await candidate.adapter.chat(input.request, context) };
  const rest = candidate.adapter.stream(input.request, context)[Symbol.asyncIterator]();
  const first = await rest.next();
  if (first.done === true) {
    throw new ProviderError({ provider: candidate.name, kind: 'malformed', message: 'stream ended before its first part' });
  }
  return { type: 'stream', first: first.value, rest, abort: () => controller.abort() };
}
