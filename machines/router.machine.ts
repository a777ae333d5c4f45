/**
 * The router actor: one per client request. It ranks the route's candidates, acquires a slot
 * on the chosen provider actor, starts the adapter call under a per-attempt timeout, reports
 * the classified outcome back, then finishes, fails over, or backs off and tries again,
 * within `maxAttempts`, the deadline and the retry budget.
 *
 *   start ─► attempting ─► succeeded (call.done: an answer)
 *                        ─► streaming (call.done: a stream's first part) ─► succeeded | failed
 *                        ─► judging (call.failed, call.timeout) ─► failed (not retryable) | selecting
 *                        ─► selecting (slot.denied)
 *                        ─► failed (the first plan found nothing)
 *   selecting ─► attempting | backoff | failed (plan: give up)
 *   backoff   ─► attempting
 *   any state ─► failed (deadline, client.abort, engine.stop)
 *
 * An attempt is one effect, started on entry to `attempting` and cancelled on exit: in a
 * promise job it asks the provider actor for a slot (`slot.acquire`, answered in the
 * provider's snapshot before `send` returns), then starts the upstream call under the
 * per-attempt timeout on the engine clock; what happens comes back as one event. The
 * deadline is an effect too. This costs a fraction of an invoked child actor, `after` timers
 * and a `slot.granted` round trip (docs/decisions.md), which matters once per request.
 */
import { assign, emit, enqueueActions, sendTo, setup, type AnyActorRef } from 'xstate';
import { ProviderError, RequestError, toProviderError, type AttemptRecord } from '../src/core/errors.js';
import { costOf, type Usage } from '../src/core/types.js';
import { failureEvent } from './outcome.js';
import type { ProviderEvent } from './provider.types.js';
import { blocksProvider, heldSlot, initialContext, nonRetryableError, planStep, withName, type RouterContext } from './router.logic.js';
import { startAttempt } from './router.effects.js';
import type { CommittedStream, RouterEmitted, RouterEvent, RouterInput, RouterOutput } from './router.types.js';

function record(context: RouterContext, kind: AttemptRecord['kind'], status: number | undefined): AttemptRecord {
  // Only attempts that got a slot (and so started a call) are recorded.
  return { provider: context.current!.candidate.name, kind, status, latencyMs: context.input.clock.now() - heldSlot(context)!.startedAt };
}

function successReport(context: RouterContext, usage: Usage): ProviderEvent {
  const slot = heldSlot(context)!;
  const at = context.input.clock.now();
  const costUsd = costOf(usage, slot.target.pricing);
  return {
    type: 'attempt.succeeded',
    at,
    token: slot.token,
    // Time to first token: a stream's whole length depends on the answer and on its reader.
    latencyMs: (context.committedAt ?? at) - slot.startedAt,
    ...(usage.inputTokens === undefined ? {} : { inputTokens: usage.inputTokens }),
    ...(usage.outputTokens === undefined ? {} : { outputTokens: usage.outputTokens }),
    ...(costUsd === undefined ? {} : { costUsd }),
  };
}

/** Records a failed attempt: its error, its record, and whether the provider is out for this request. */
function noteError(context: RouterContext, error: ProviderError): Partial<RouterContext> {
  const name = context.current!.candidate.name;
  const retryAfterMs =
    error.kind === 'rate_limit' && error.retryAfterMs !== undefined ? Math.min(context.retryAfterMs ?? Infinity, error.retryAfterMs) : context.retryAfterMs;
  return {
    lastError: error,
    attempts: [...context.attempts, record(context, error.kind, error.status)],
    blocked: blocksProvider(error) ? withName(context.blocked, name) : context.blocked,
    current: { ...context.current!, reported: true },
    retryAfterMs,
  };
}

/** True when an IO event belongs to the attempt under way (not to one already abandoned). */
function isCurrent(context: RouterContext, event: RouterEvent): boolean {
  return 'seq' in event && event.seq === context.current?.seq;
}

export const routerMachine = setup({
  types: {
    input: {} as RouterInput,
    context: {} as RouterContext,
    events: {} as RouterEvent,
    output: {} as RouterOutput,
    emitted: {} as RouterEmitted,
  },
  delays: {
    backoff: ({ context }) => (context.plan?.type === 'attempt' ? context.plan.backoffMs : 0),
  },
  guards: {
    planFails: ({ context }) => context.plan?.type === 'fail',
    planBacksOff: ({ context }) => context.plan?.type === 'attempt' && context.plan.backoffMs > 0,
    isCurrentCall: ({ context, event }) => isCurrent(context, event),
    isCommittedStream: ({ context, event }) => isCurrent(context, event) && event.type === 'call.done' && event.result.type === 'stream',
    lastFailureIsFinal: ({ context }) => context.lastError !== undefined && !context.lastError.retryable,
  },
  actions: {
    armDeadline: ({ context, self }) => {
      const { clock, routing } = context.input;
      context.io.deadline = clock.setTimeout(() => self.send({ type: 'deadline' }), routing.deadlineMs);
    },
    /** Decides the next step and, for an attempt, sets it up (one update: this runs once per attempt). */
    plan: assign(({ context }) => planStep(context)),
    noteDenial: assign(({ context, event }) => {
      // The router's own denial: the retry budget ran out. The provider is not to blame: the
      // next plan fails on the budget (or, if it came back meanwhile, retries as usual).
      if (event.type !== 'slot.denied' || event.reason === 'retry_budget') return {};
      const retryAfterMs =
        event.retryAfterMs === undefined ? context.retryAfterMs : Math.min(context.retryAfterMs ?? Infinity, event.retryAfterMs);
      return { blocked: withName(context.blocked, event.provider), excluded: withName(context.excluded, event.provider), retryAfterMs };
    }),
    /** Starts the planned attempt (slot, then upstream call); nothing when the plan is to fail (the first plan may be). */
    startAttempt: ({ context, self }) => {
      if (context.plan?.type !== 'attempt') return;
      context.io.cancel = startAttempt(context, self as AnyActorRef);
    },
    cancelAttempt: ({ context }) => {
      context.io.cancel?.();
      context.io.cancel = undefined;
    },
    reportSuccess: sendTo(
      ({ context }) => heldSlot(context)!.target.actor,
      ({ context, event }) => {
        if (event.type === 'stream.finished') return successReport(context, event.usage);
        const result = event.type === 'call.done' ? event.result : undefined;
        return successReport(context, result?.type === 'response' ? result.response.usage : { inputTokens: undefined, outputTokens: undefined });
      },
    ),
    keepResponse: assign(({ context, event }) => {
      if (event.type !== 'call.done' || event.result.type !== 'response') return {};
      const response = event.result.response;
      return { response, usage: response.usage, attempts: [...context.attempts, record(context, 'ok', 200)], current: { ...context.current!, reported: true } };
    }),
    keepStreamUsage: assign(({ context, event }) => {
      if (event.type !== 'stream.finished') return {};
      return { usage: event.usage, attempts: [...context.attempts, record(context, 'ok', 200)], current: { ...context.current!, reported: true } };
    }),
    commitStream: assign(({ context, event }) => {
      if (event.type !== 'call.done' || event.result.type !== 'stream') return {};
      const { first, rest, abort } = event.result;
      const committed: CommittedStream = { provider: context.current!.candidate.name, first, rest, abort };
      return { committed, committedAt: context.input.clock.now() };
    }),
    announceStream: emit(({ context }) => ({ type: 'stream.committed' as const, stream: context.committed! })),
    noteFailure: assign(({ context, event }) => {
      const name = context.current!.candidate.name;
      if (event.type === 'stream.failed') return noteError(context, event.error);
      if (event.type === 'call.timeout') {
        return noteError(context, new ProviderError({ provider: name, kind: 'timeout', message: `no answer within ${heldSlot(context)!.target.timeoutMs} ms` }));
      }
      return noteError(context, toProviderError(name, event.type === 'call.failed' ? event.error : undefined));
    }),
    reportFailure: sendTo(
      ({ context }) => heldSlot(context)!.target.actor,
      ({ context }) => failureEvent(context.lastError!, heldSlot(context)!.token, context.input.clock.now(), context.attempts.at(-1)!.latencyMs),
    ),
    announceAttempt: emit(({ context }) => ({
      type: 'attempt.finished' as const,
      requestId: context.input.requestId,
      attempt: context.attempts.at(-1)!,
      at: context.input.clock.now(),
    })),
    /**
     * The request ends (client abort, deadline) while an attempt holds its slot: the attempt
     * is recorded and announced like any other: `timeout` when the deadline passed before its
     * first byte, else `aborted` (the client left, or a stream under way was cut). For its
     * provider, only the request's first attempt cut by the deadline before its first byte
     * counts, as a timeout: it had the whole deadline, so a provider that hangs past every
     * request's deadline trips its breaker (Envoy counts a route timeout against the host
     * too); a later attempt had only what the earlier ones left, and stays neutral, as do
     * client aborts and streams under way (`release`).
     */
    noteCutShort: enqueueActions(({ context, event, enqueue }) => {
      const slot = heldSlot(context);
      const current = context.current;
      if (current === undefined || slot === undefined || current.reported) return;
      const kind = event.type === 'deadline' && context.committed === undefined ? 'timeout' : 'aborted';
      const attempt = record(context, kind, undefined);
      const at = context.input.clock.now();
      const hadTheWholeDeadline = context.attempts.length === 0;
      enqueue.assign({ attempts: [...context.attempts, attempt] });
      if (kind === 'timeout' && hadTheWholeDeadline) {
        enqueue.sendTo(slot.target.actor, { type: 'attempt.failed', at, token: slot.token, kind: 'timeout', latencyMs: attempt.latencyMs } satisfies ProviderEvent);
        enqueue.assign({ current: { ...current, reported: true } });
      }
      enqueue.emit({ type: 'attempt.finished' as const, requestId: context.input.requestId, attempt, at });
    }),
    failNonRetryable: assign({ error: ({ context }) => nonRetryableError(context.lastError!, context.attempts) }),
    failStreamBroken: assign({
      error: ({ context }) =>
        new RequestError({
          code: 'all_attempts_failed',
          message: `the stream from ${context.current!.candidate.name} failed after it started: ${context.lastError?.message ?? 'unknown error'}`,
          attempts: context.attempts,
          cause: context.lastError,
        }),
    }),
    failStopped: assign({
      error: ({ context }) => new RequestError({ code: 'stopped', message: 'the Switchyard instance was stopped before the request finished', attempts: context.attempts }),
    }),
    failAborted: assign({
      error: ({ context }) => new RequestError({ code: 'aborted', message: 'the client aborted the request', attempts: context.attempts }),
    }),
    failDeadline: assign({
      error: ({ context }) =>
        new RequestError({
          code: 'deadline_exceeded',
          message:
            context.committed === undefined
              ? `no answer within the ${context.input.routing.deadlineMs} ms deadline`
              : `the stream from ${context.committed.provider} did not finish within the ${context.input.routing.deadlineMs} ms deadline`,
          attempts: context.attempts,
          cause: context.lastError,
        }),
    }),
    /**
     * Ends what is left running (the attempt was cancelled when `attempting` was exited); an
     * attempt cut short and not reported yet (client abort, a stream under way at the
     * deadline) is neutral for its provider.
     */
    release: ({ context }) => {
      const { io, current } = context;
      if (io.deadline !== undefined) context.input.clock.clearTimeout(io.deadline);
      io.deadline = undefined;
      if (context.error !== undefined) context.committed?.abort();
      const slot = heldSlot(context);
      if (current === undefined || slot === undefined || current.reported) return;
      slot.target.actor.send({ type: 'attempt.neutral', at: context.input.clock.now(), token: slot.token });
    },
  },
}).createMachine({
  id: 'router',
  // The first plan is made with the context (no `assign` on the way in) and the router
  // starts in `attempting`; later plans are made by the transitions that return to
  // `selecting`. A first plan never backs off (nothing was tried).
  context: ({ input }) => {
    // Fresh and not yet shared: filled in place rather than copied (the spread of a
    // 16-field object is one of the larger costs of starting a router).
    const context = initialContext(input);
    return Object.assign(context, planStep(context));
  },
  entry: 'armDeadline',
  initial: 'attempting',
  on: {
    deadline: { target: '.failed', actions: ['noteCutShort', 'failDeadline'] },
    'client.abort': { target: '.failed', actions: ['noteCutShort', 'failAborted'] },
    'engine.stop': { target: '.failed', actions: ['noteCutShort', 'failStopped'] },
  },
  states: {
    selecting: {
      always: [
        { guard: 'planFails', target: 'failed' },
        { guard: 'planBacksOff', target: 'backoff' },
        { target: 'attempting' },
      ],
    },
    backoff: {
      after: { backoff: 'attempting' },
    },
    attempting: {
      entry: 'startAttempt',
      exit: 'cancelAttempt',
      // Only the first plan can arrive here as a failure (no candidate at all).
      always: { guard: 'planFails', target: 'failed' },
      on: {
        'slot.denied': { guard: 'isCurrentCall', target: 'selecting', actions: ['noteDenial', 'plan'] },
        'call.done': [
          { guard: 'isCommittedStream', target: 'streaming', actions: ['commitStream', 'announceStream'] },
          { guard: 'isCurrentCall', target: 'succeeded', actions: ['reportSuccess', 'keepResponse', 'announceAttempt'] },
        ],
        'call.failed': { guard: 'isCurrentCall', target: 'judging', actions: ['noteFailure', 'reportFailure', 'announceAttempt'] },
        'call.timeout': { guard: 'isCurrentCall', target: 'judging', actions: ['noteFailure', 'reportFailure', 'announceAttempt'] },
      },
    },
    judging: {
      always: [{ guard: 'lastFailureIsFinal', target: 'failed', actions: 'failNonRetryable' }, { target: 'selecting', actions: 'plan' }],
    },
    streaming: {
      on: {
        'stream.finished': { target: 'succeeded', actions: ['reportSuccess', 'keepStreamUsage', 'announceAttempt'] },
        'stream.failed': { target: 'failed', actions: ['noteFailure', 'reportFailure', 'announceAttempt', 'failStreamBroken'] },
      },
    },
    succeeded: { type: 'final', entry: 'release' },
    failed: { type: 'final', entry: 'release' },
  },
  output: ({ context }): RouterOutput => {
    if (context.error === undefined && context.current !== undefined && context.usage !== undefined) {
      return {
        ok: true,
        provider: context.current.candidate.name,
        response: context.response,
        usage: context.usage,
        costUsd: costOf(context.usage, (heldSlot(context)?.target ?? context.current.candidate).pricing),
        attempts: context.attempts,
      };
    }
    const error = context.error ?? new RequestError({ code: 'all_attempts_failed', message: 'request ended without an answer', attempts: context.attempts });
    return context.committed === undefined ? { ok: false, error, attempts: context.attempts } : { ok: false, error, attempts: context.attempts, answeredBy: context.committed.provider };
  },
});
