/**
 * The router actor's input, events and output. One router actor serves one client request.
 */
import type { ActorRef, AnyEventObject, Snapshot } from 'xstate';
import type { RoutingConfig } from '../src/config/types.js';
import type { ProviderAdapter } from '../src/core/adapter.js';
import type { Clock } from '../src/core/clock.js';
import type { AttemptRecord, ProviderError, RequestError } from '../src/core/errors.js';
import type { Random } from '../src/core/random.js';
import type { ChatRequest, ChatResponse, StreamPart, Usage } from '../src/core/types.js';
import type { Candidate, SelectionContext, Strategy } from '../src/routing/candidate.js';
import type { ProviderEvent, SlotReply } from './provider.types.js';

/** The engine-wide retry budget, as the router consults it. */
export interface RetryBudget {
  canRetry(now: number): boolean;
  recordRetry(now: number): void;
}

/** A provider actor as the router sees it: something to send events to. */
export type ProviderRef = ActorRef<Snapshot<unknown>, ProviderEvent, AnyEventObject>;

/**
 * The provider an attempt runs on: where it takes its slot, which adapter it calls, and where
 * its outcome goes. Fixed when the attempt starts, whatever a reload does meanwhile.
 */
export interface AttemptTarget {
  readonly name: string;
  readonly actor: ProviderRef;
  readonly adapter: ProviderAdapter;
  /** Per attempt, to the first byte of the answer. */
  readonly timeoutMs: number;
  /** What its answers cost (the attempt's cost is computed with it). */
  readonly pricing: Candidate['pricing'];
  /**
   * Counts an attempt planned on this provider that has not asked for its slot yet (+1 when
   * planned, -1 when it asks or is cancelled), so that `inFlight` includes requests started
   * in the same tick (least-busy under `Promise.all`). Optional for hand-made candidates.
   */
  notePlanned?(delta: 1 | -1): void;
}

/** A candidate of the request's route, with what the router needs to call it. */
export interface RouteCandidate extends Candidate, AttemptTarget {
  /**
   * The provider that takes this candidate's attempts now, or undefined when it is gone. A
   * configuration reload may replace a provider (a new actor and adapter under the same
   * name) or remove it while a request is under way; the request's later attempts then go
   * to the replacement, or not to that provider at all. A replacement that cannot take this
   * request (`request`; `requiredTokens`: its estimated input plus `maxTokens`) is none. Without
   * it the candidate is its own target (hand-made candidates).
   */
  target?(request?: ChatRequest, requiredTokens?: number): AttemptTarget | undefined;
}

export interface RouterInput {
  requestId: string;
  request: ChatRequest;
  mode: 'chat' | 'stream';
  candidates: readonly RouteCandidate[];
  strategy: Strategy;
  selection: SelectionContext;
  routing: RoutingConfig;
  /** Engine-wide retry budget shared by every router. */
  retryBudget: RetryBudget;
  /** Timestamps, the deadline and the per-attempt timeout; the `backoff` delay runs on the clock given to `createActor` (the engine passes the same one). */
  clock: Clock;
  random: Random;
}

/** A stream whose first part has arrived: from here on there is no failover. */
export interface CommittedStream {
  provider: string;
  first: StreamPart;
  rest: AsyncIterator<StreamPart>;
  /** Aborts the upstream call. */
  abort(): void;
}

/** What an attempt's upstream call resolves with (router.effects.ts). */
export type AttemptResult = { type: 'response'; response: ChatResponse } | ({ type: 'stream' } & Omit<CommittedStream, 'provider'>);

/** Events a router accepts: from its attempt effect (router.effects.ts) and from the engine. */
export type RouterEvent =
  /** The provider refused attempt `seq` a slot (see router.effects.ts). */
  | (Extract<SlotReply, { type: 'slot.denied' }> & { seq: number })
  /** The caller went away (AbortSignal). */
  | { type: 'client.abort' }
  /** The engine is stopping: the request ends now, nobody's fault. */
  | { type: 'engine.stop' }
  /** The request's deadline passed. */
  | { type: 'deadline' }
  /** Outcomes of the upstream call of attempt `seq` (see router.effects.ts). */
  | { type: 'call.done'; seq: number; result: AttemptResult }
  | { type: 'call.failed'; seq: number; error: unknown }
  | { type: 'call.timeout'; seq: number }
  /** The engine finished relaying a committed stream. */
  | { type: 'stream.finished'; usage: Usage }
  | { type: 'stream.failed'; error: ProviderError };

/** Emitted events, for the engine's event stream. */
export type RouterEmitted =
  | { type: 'attempt.finished'; requestId: string; attempt: AttemptRecord; at: number }
  | { type: 'stream.committed'; stream: CommittedStream };

/** The router's final output: exactly one per request. */
export type RouterOutput =
  | { ok: true; provider: string; response: ChatResponse | undefined; usage: Usage; costUsd: number | undefined; attempts: AttemptRecord[] }
  /** `answeredBy`: the provider whose stream had started when the request failed (it answered, then broke or was cut). */
  | { ok: false; error: RequestError; attempts: AttemptRecord[]; answeredBy?: string };
