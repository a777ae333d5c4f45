/**
 * The router's decisions as pure functions of its context: what to try next, and how a
 * request that cannot go on ends. The machine in `router.machine.ts` only sequences them.
 */
import { ProviderError, RequestError, type AttemptRecord, type RequestErrorCode } from '../src/core/errors.js';
import { fullJitterBackoff } from '../src/routing/backoff.js';
import { panicCandidate, rateLimitRetryAfter } from '../src/routing/panic.js';
import type { SlotToken } from './provider.types.js';
import type { TimerHandle } from '../src/core/clock.js';
import type { ChatResponse, Usage } from '../src/core/types.js';
import type { AttemptTarget, CommittedStream, RouteCandidate, RouterInput } from './router.types.js';

/** The attempt planned or under way. */
export interface CurrentAttempt {
  /** 1-based attempt number; events of an earlier attempt are ignored. */
  seq: number;
  candidate: RouteCandidate;
  panic: boolean;
  /** Set once its outcome was sent to the provider actor: each attempt reports exactly once. */
  reported: boolean;
}

/** The slot an attempt holds, from the moment the provider granted it (an effect handle). */
export interface HeldSlot {
  /** The attempt it belongs to. */
  seq: number;
  token: SlotToken;
  /**
   * The provider that granted it, as it was: the attempt's outcome goes to its actor, and its
   * price and timeout apply, even after a reload replaced it.
   */
  target: AttemptTarget;
  /** When the slot was granted and the upstream call started. */
  startedAt: number;
}

export interface RouterContext {
  /** The request and its environment, as given; never changes. */
  input: RouterInput;
  attempts: AttemptRecord[];
  /** Not to be picked in this round: tried already, or refused. */
  excluded: ReadonlySet<string>;
  /** Never again in this request: rate limited, disabled, misconfigured, refused a slot. */
  blocked: ReadonlySet<string>;
  plan: Plan | undefined;
  current: CurrentAttempt | undefined;
  lastError: ProviderError | undefined;
  /** Soonest end of a rate limit seen by this request. */
  retryAfterMs: number | undefined;
  panicUsed: boolean;
  /** Backoffs taken so far (the exponent of the next one). */
  backoffs: number;
  /** Set when the request has failed. */
  error: RequestError | undefined;
  /** The answer, once one arrived (non-streaming). */
  response: ChatResponse | undefined;
  usage: Usage | undefined;
  /** The stream, once its first part arrived. */
  committed: CommittedStream | undefined;
  /** When the first part arrived (clock ms): the stream's time to first token is measured to it. */
  committedAt: number | undefined;
  /** Handles of running effects (timers, the slot, the upstream call): not state, never copied. */
  io: { deadline: TimerHandle | undefined; cancel: (() => void) | undefined; slot: HeldSlot | undefined };
}

/** What the router does next. */
export type Plan =
  | { type: 'attempt'; candidate: RouteCandidate; panic: boolean; backoffMs: number }
  | { type: 'fail'; error: RequestError };

/** Initial context for a request. */
export function initialContext(input: RouterInput): RouterContext {
  return {
    input,
    attempts: [],
    excluded: EMPTY,
    blocked: EMPTY,
    plan: undefined,
    current: undefined,
    lastError: undefined,
    retryAfterMs: undefined,
    panicUsed: false,
    backoffs: 0,
    error: undefined,
    response: undefined,
    usage: undefined,
    committed: undefined,
    committedAt: undefined,
    io: { deadline: undefined, cancel: undefined, slot: undefined },
  };
}

const EMPTY: ReadonlySet<string> = new Set();

/**
 * Decides the next step: a candidate not tried yet, at once; Envoy-style panic (one attempt
 * on the open provider closest to recovery) when nothing was selectable from the start; a
 * provider already tried, after a full-jitter backoff (every re-try backs off); or the end
 * of the request.
 */
export function planNext(context: RouterContext, now: number): Plan {
  const { routing, candidates, strategy, selection, retryBudget, random } = context.input;
  if (context.attempts.length >= routing.maxAttempts) return fail(context, now);
  if (isRetry(context) && !retryBudget.canRetry(now)) return fail(context, now, 'the retry budget is exhausted');

  // Strategies return one of the candidates they were given: route candidates here.
  const pick = (exclude: ReadonlySet<string>) => strategy(candidates, exclude, selection) as RouteCandidate | undefined;
  const fresh = pick(context.excluded);
  if (fresh !== undefined) {
    // New in this round; if it was tried in an earlier round, this is a re-try: back off first.
    const retried = context.attempts.some((attempt) => attempt.provider === fresh.name);
    return { type: 'attempt', candidate: fresh, panic: false, backoffMs: retried ? fullJitterBackoff(context.backoffs, routing.backoff, random) : 0 };
  }

  if (context.attempts.length === 0 && routing.panic && !context.panicUsed) {
    const panic = panicCandidate(candidates, context.blocked) as RouteCandidate | undefined;
    if (panic !== undefined) return { type: 'attempt', candidate: panic, panic: true, backoffMs: 0 };
  }

  if (context.excluded.size > context.blocked.size && !context.panicUsed) {
    const again = pick(context.blocked);
    if (again !== undefined) {
      return { type: 'attempt', candidate: again, panic: false, backoffMs: fullJitterBackoff(context.backoffs, routing.backoff, random) };
    }
  }
  return fail(context, now);
}

/** The context update of a planning step: the plan and, for an attempt, its setup. */
export function planStep(context: RouterContext): Partial<RouterContext> {
  const now = context.input.clock.now();
  const plan = planNext(context, now);
  if (plan.type !== 'attempt') return { plan, error: plan.error };
  const name = plan.candidate.name;
  // A provider picked again after a backoff starts a new round of failover.
  const excluded = context.excluded.has(name) ? withName(context.blocked, name) : withName(context.excluded, name);
  const seq = (context.current?.seq ?? 0) + 1;
  return {
    plan,
    current: { seq, candidate: plan.candidate, panic: plan.panic, reported: false },
    excluded,
    panicUsed: context.panicUsed || plan.panic,
    backoffs: plan.backoffMs > 0 ? context.backoffs + 1 : context.backoffs,
  };
}

/** The error that ends a request which cannot make another attempt. */
function fail(context: RouterContext, now: number, why?: string): Plan {
  const { attempts, lastError } = context;
  const rateLimited = lastError?.kind === 'rate_limit' || (attempts.length === 0 && context.retryAfterMs !== undefined);
  if (rateLimited || (attempts.length === 0 && rateLimitRetryAfter(context.input.candidates, now) !== undefined)) {
    const retryAfterMs = minDefined(context.retryAfterMs, rateLimitRetryAfter(context.input.candidates, now));
    return failWith(context, 'rate_limited', 'every candidate provider is rate limited', retryAfterMs);
  }
  if (attempts.length === 0) {
    return failWith(context, 'no_provider_available', 'no provider of this route is available (all open or disabled)');
  }
  // Every provider of the route said it cannot serve the request as asked (or is out of it for
  // another reason), and every attempt was such an answer: the request is the problem (400).
  // When an untried provider was left (maxAttempts, the retry budget), it is not.
  const everyoneRefused = context.input.candidates.every((candidate) => context.blocked.has(candidate.name));
  if (everyoneRefused && lastError !== undefined && context.attempts.every((attempt) => attempt.kind === 'unsupported')) {
    return { type: 'fail', error: nonRetryableError(lastError, context.attempts) };
  }
  const last = lastError === undefined ? '' : `; last: ${attributed(lastError)}`;
  const reason = why === undefined ? '' : ` (${why})`;
  return failWith(context, 'all_attempts_failed', `all ${attempts.length} upstream attempts failed${reason}${last}`);
}

function failWith(context: RouterContext, code: RequestErrorCode, message: string, retryAfterMs?: number): Plan {
  const error = new RequestError({ code, message, attempts: context.attempts, cause: context.lastError, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
  return { type: 'fail', error };
}

/**
 * Whether the next attempt is a retry for the retry budget: one after a failure that put load on
 * a struggling upstream. Moving on from providers that only said they cannot serve this request
 * (`unsupported`: a text-only model asked about an image) is routing, not a retry, and must not
 * spend the budget that outages need.
 */
export function isRetry(context: RouterContext): boolean {
  return context.attempts.some((attempt) => attempt.kind !== 'unsupported');
}

/** The request error for an upstream answer that must not be retried (the client's fault). */
export function nonRetryableError(error: ProviderError, attempts: AttemptRecord[]): RequestError {
  const code: RequestErrorCode =
    error.kind === 'context_length' ? 'context_length_exceeded' : error.kind === 'aborted' ? 'aborted' : 'upstream_bad_request';
  return new RequestError({ code, message: attributed(error), attempts, cause: error, ...(error.param === undefined ? {} : { param: error.param }) });
}

/** `provider: message`, without saying the provider twice (adapters' messages already start with it). */
function attributed(error: ProviderError): string {
  return error.message.startsWith(`${error.provider}: `) ? error.message : `${error.provider}: ${error.message}`;
}

/** Whether a failed provider may be picked again later in the same request. */
export function blocksProvider(error: ProviderError): boolean {
  return error.kind === 'rate_limit' || error.kind === 'auth' || error.kind === 'quota' || error.kind === 'model_not_found' || error.kind === 'unsupported';
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/** A set with one more element (sets here hold at most a few names). */
export function withName(set: ReadonlySet<string>, name: string): ReadonlySet<string> {
  if (set.has(name)) return set;
  const next = new Set(set);
  next.add(name);
  return next;
}

/** The slot held by the current attempt, if its provider granted one. */
export function heldSlot(context: RouterContext): HeldSlot | undefined {
  const slot = context.io.slot;
  return slot !== undefined && slot.seq === context.current?.seq ? slot : undefined;
}
