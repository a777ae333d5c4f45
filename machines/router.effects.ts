/**
 * The router's one IO effect: an attempt. In a promise job (when no actor is mid-step) it
 * asks the planned provider actor for a slot and reads the answer from the provider's
 * snapshot; with a slot, it starts the upstream call under the per-attempt timeout on the
 * engine clock. What happens comes back to the router as exactly one event tagged with the
 * attempt's `seq`: `slot.denied`, or the call's `call.done`, `call.failed` or `call.timeout`.
 */
import type { AnyActorRef } from 'xstate';
import { ProviderError } from '../src/core/errors.js';
import type { SlotReply } from './provider.types.js';
import { isRetry, type RouterContext } from './router.logic.js';
import type { AttemptResult, AttemptTarget, RouteCandidate, RouterInput } from './router.types.js';

/** Starts the attempt; returns a function that cancels it (a no-op once it has settled). */
export function startAttempt(context: RouterContext, self: AnyActorRef): () => void {
  const { input, io } = context;
  const { seq, candidate, panic } = context.current!;
  const retry = isRetry(context);
  let cancelled = false;
  let cancelCall: (() => void) | undefined;
  // Until it asks for its slot, the attempt counts as planned on its provider (see notePlanned),
  // the provider as it is now: a reload in between must not move the count to another one.
  let planned = targetOf(candidate, input);
  planned?.notePlanned?.(1);
  const unplan = (): void => {
    planned?.notePlanned?.(-1);
    planned = undefined;
  };
  void Promise.resolve().then(() => {
    if (cancelled) return;
    unplan();
    // The budget was checked when this retry was planned, but other requests may have spent
    // it since (during a backoff, or in the same tick): check again where the retry is counted.
    if (retry && !input.retryBudget.canRetry(input.clock.now())) {
      self.send({ type: 'slot.denied', provider: candidate.name, requestId: input.requestId, reason: 'retry_budget', seq });
      return;
    }
    // The provider of that name now: a reload since the plan may have replaced or removed it.
    const target = targetOf(candidate, input);
    if (target === undefined) {
      self.send({ type: 'slot.denied', provider: candidate.name, requestId: input.requestId, reason: 'not_selectable', seq });
      return;
    }
    const reply = acquireSlot(target, input, panic);
    // The provider's step runs listeners (inspection, state-change events) that may end this
    // request synchronously; a slot granted to a request that is gone goes straight back.
    if (cancelled) {
      if (reply.type === 'slot.granted') target.actor.send({ type: 'attempt.neutral', at: input.clock.now(), token: reply.token });
      return;
    }
    if (reply.type === 'slot.denied') {
      self.send({ ...reply, seq });
      return;
    }
    const now = input.clock.now();
    if (retry) input.retryBudget.recordRetry(now);
    io.slot = { seq, token: reply.token, target, startedAt: now };
    cancelCall = startCall(target, input, seq, self);
  });
  return () => {
    cancelled = true;
    unplan();
    cancelCall?.();
  };
}

/** The provider that takes `candidate`'s attempts for this request now (see `RouteCandidate.target`). */
function targetOf(candidate: RouteCandidate, input: RouterInput): AttemptTarget | undefined {
  if (candidate.target === undefined) return candidate;
  return candidate.target(input.request, input.selection.estimatedInputTokens + (input.request.maxTokens ?? 0));
}

/**
 * Sends `slot.acquire` and reads the provider's answer from its snapshot. Called from a
 * promise job, so the provider actor is idle and answers before `send` returns; an actor
 * that did not answer (stopped, or an extension that ignores the event) counts as a refusal.
 */
function acquireSlot(target: AttemptTarget, input: RouterInput, panic: boolean): SlotReply {
  const actor = target.actor;
  const before = lastSlotOf(actor);
  actor.send({ type: 'slot.acquire', at: input.clock.now(), requestId: input.requestId, ...(panic ? { panic: true } : {}) });
  const reply = lastSlotOf(actor);
  if (reply !== undefined && reply !== before && reply.requestId === input.requestId) return reply;
  return { type: 'slot.denied', provider: target.name, requestId: input.requestId, reason: 'not_selectable' };
}

function lastSlotOf(actor: AttemptTarget['actor']): SlotReply | undefined {
  return (actor.getSnapshot() as { context?: { lastSlot?: SlotReply } }).context?.lastSlot;
}

/** Starts the upstream call; returns a function that cancels it (a no-op once it has settled). */
function startCall(target: AttemptTarget, input: RouterInput, seq: number, self: AnyActorRef): () => void {
  const clock = input.clock;
  const controller = new AbortController();
  let settled = false;
  const timer = clock.setTimeout(() => {
    if (settled) return;
    settled = true;
    controller.abort(new ProviderError({ provider: target.name, kind: 'timeout', message: 'attempt timed out' }));
    self.send({ type: 'call.timeout', seq });
  }, target.timeoutMs);
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
  callAdapter(target, input, controller).then(
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
async function callAdapter(target: AttemptTarget, input: RouterInput, controller: AbortController): Promise<AttemptResult> {
  const context = { signal: controller.signal, clock: input.clock, requestId: input.requestId };
  if (input.mode === 'chat') return { type: 'response', response: await target.adapter.chat(input.request, context) };
  const rest = target.adapter.stream(input.request, context)[Symbol.asyncIterator]();
  const first = await rest.next();
  if (first.done === true) {
    throw new ProviderError({ provider: target.name, kind: 'malformed', message: 'stream ended before its first part' });
  }
  return { type: 'stream', first: first.value, rest, abort: () => controller.abort() };
}
