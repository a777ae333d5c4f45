/**
 * The engine: builds the provider actors from a validated configuration, starts one router
 * actor per request, and publishes one event stream. This is the library's entry point.
 */
import { randomBytes } from 'node:crypto';
import { createActor, type InspectionEvent, type Observer } from 'xstate';
import { providerMachine } from '../../machines/provider.machine.js';
import { routerMachine } from '../../machines/router.machine.js';
import type { RouterOutput } from '../../machines/router.types.js';
import { parseConfig } from '../config/load.js';
import type { SwitchyardConfig } from '../config/types.js';
import type { AdapterFactory } from '../core/adapter.js';
import { createRealClock, type Clock } from '../core/clock.js';
import { RequestError, SwitchyardError, type AttemptRecord } from '../core/errors.js';
import { createRandom, hashString, type Random } from '../core/random.js';
import { estimateInputTokens, estimateOutputTokens } from '../core/tokens.js';
import type { ChatRequest, ChatResponse } from '../core/types.js';
import { createPooledFetch, type PooledFetch } from '../providers/shared/pooled-fetch.js';
import { filterCandidates } from '../routing/filters.js';
import { rateLimitRetryAfter } from '../routing/panic.js';
import { createRetryBudget } from '../routing/retry-budget.js';
import { watchAbort } from './abort-watch.js';
import { EventBus, type EngineEventName, type Listener } from './events.js';
import { HealthChecks } from './health-checks.js';
import { ProviderPool } from './provider-pool.js';
import type { ProviderMachine } from './provider-handle.js';
import { RouteTable, type Route } from './routes.js';
import { OPERATOR_ACTIONS, providerStatus, type OperatorAction, type ProviderStatus } from './status.js';
import { ChatStream, type StreamNotes } from './stream.js';
import { estimatePrompt } from './tokens.js';
import { isRequestId, validateRequest } from './validate-request.js';
import { applyV8Settings } from './v8-settings.js';

export interface SwitchyardOptions {
  /** The one clock. @default the real clock */
  clock?: Clock;
  /** Seed for jitter, weighted picks and simulated providers. @default config.seed, else random */
  seed?: number;
  /**
   * `fetch` used by HTTP adapters. @default a pooled fetch (undici connection pools)
   * ({@link createPooledFetch}), owned by the engine and closed by `stop()`
   */
  fetch?: typeof fetch;
  /** Extra or replacement adapter factories by provider type. */
  adapters?: Record<string, AdapterFactory>;
  /** A provider machine extended with custom states (docs/extending.md). @default providerMachine */
  providerMachine?: ProviderMachine;
  /** XState inspection observer, given to every actor (the live view, `@statelyai/inspect`). */
  inspect?: Observer<InspectionEvent> | ((event: InspectionEvent) => void);
  /** Environment for `${VAR}` interpolation of a raw configuration. @default process.env */
  env?: Record<string, string | undefined>;
  /**
   * Turn off V8's allocation-site pretenuring for the whole process (from the main thread,
   * once): about a third less CPU per routed request, but slower for other code that builds
   * many long-lived objects (src/engine/v8-settings.ts, docs/operations.md). The `switchyard`
   * command always runs this way. `SWITCHYARD_V8_PRETENURING=on|off` in the process's
   * environment overrides it. @default false
   */
  disableV8Pretenuring?: boolean;
}

/** Per-call options. */
export interface CallOptions {
  /**
   * Cancels the request and its upstream call. One signal may serve any number of requests:
   * it carries one listener while any of them is under way, none once they have ended.
   */
  signal?: AbortSignal;
  /**
   * Use this id instead of a generated one (e.g. from an incoming header): 1–128 of
   * `[A-Za-z0-9._:-]`, as it is sent upstream as `x-request-id`; any other is refused
   * (`invalid_request`, `param: requestId`). Generated ids are `sy-<8 random hex>-<n>`.
   */
  requestId?: string;
}

/** A completed chat call. */
export interface ChatResult extends ChatResponse {
  requestId: string;
  route: string;
  /** The provider that answered. */
  provider: string;
  attempts: AttemptRecord[];
  costUsd: number | undefined;
}

/** A running Switchyard engine. */
export interface Switchyard {
  /** Routes one chat request; rejects with a {@link RequestError} listing every attempt. */
  chat(request: ChatRequest, options?: CallOptions): Promise<ChatResult>;
  /** Routes one streamed request; failover is allowed until the first part. */
  stream(request: ChatRequest, options?: CallOptions): ChatStream;
  /** Every provider's live state, in configuration order (the shape of `GET /providers`). */
  providers(): ProviderStatus[];
  /** An operator action on one provider; throws `unknown_provider` for an unknown name, `stopped` after {@link stop}. */
  operate(name: string, action: OperatorAction, reason?: string): ProviderStatus;
  /** Subscribes to engine events; returns the unsubscribe function. */
  on<K extends EngineEventName>(name: K, listener: Listener<K>): () => void;
  /**
   * Applies a new configuration, all or nothing (an invalid one, or an adapter factory that
   * throws, leaves the running one untouched). Providers whose adapter settings are unchanged
   * keep their actor, health and adapter. Throws `stopped` after {@link stop}. `check`, given
   * the validated configuration before anything changes, may refuse it by throwing (a
   * `ConfigError` reads as one more problem with it).
   */
  updateConfig(config: unknown, options?: { check?: (next: SwitchyardConfig) => void }): void;
  /** Route and provider names a client may use as `model`. */
  models(): { routes: string[]; providers: string[] };
  /** The current validated configuration (frozen: change it with {@link updateConfig}). */
  readonly config: SwitchyardConfig;
  readonly clock: Clock;
  /** Requests under way. */
  readonly inFlight: number;
  /** Aborts requests under way, stops every actor and timer, closes adapters. */
  stop(): Promise<void>;
}

/**
 * Creates and starts an engine.
 *
 * @example
 * const switchyard = createSwitchyard({ providers: [{ name: 'a', type: 'simulated' }] });
 * const answer = await switchyard.chat({ messages: [{ role: 'user', content: 'Hi' }] });
 * await switchyard.stop();
 */
export function createSwitchyard(config: unknown, options: SwitchyardOptions = {}): Switchyard {
  return new Engine(config, options);
}

class Engine implements Switchyard {
  readonly clock: Clock;
  config: SwitchyardConfig;
  private readonly bus: EventBus;
  private readonly random: Random;
  private readonly seed: number;
  private readonly pool: ProviderPool;
  private routes: RouteTable;
  private retryBudget;
  private readonly healthChecks: HealthChecks;
  private readonly running = new Set<{ send(event: { type: 'engine.stop' }): void }>();
  private requestCounter = 0;
  /** Random per engine: ids never repeat across replicas or restarts, whatever the seed. */
  private readonly idPrefix = `sy-${randomBytes(4).toString('hex')}`;
  private stopped = false;
  private stopping: Promise<void> | undefined;
  /** The connection pool the engine created (none when the caller injected `fetch`). */
  private readonly ownedFetch: PooledFetch | undefined;

  constructor(rawConfig: unknown, private readonly options: SwitchyardOptions) {
    this.config = deepFreeze(parseConfig(rawConfig, options.env ?? process.env));
    this.clock = options.clock ?? createRealClock();
    this.seed = options.seed ?? this.config.seed ?? Math.floor(Math.random() * 2 ** 31);
    this.random = createRandom(hashString('engine', this.seed));
    this.bus = new EventBus((error) => process.emitWarning(`switchyard: an event listener threw: ${String(error)}`));
    this.retryBudget = createRetryBudget(this.config.routing.retryBudget);
    this.ownedFetch = options.fetch === undefined ? createPooledFetch() : undefined;
    this.pool = new ProviderPool({
      clock: this.clock,
      seed: this.seed,
      fetch: options.fetch ?? this.ownedFetch!,
      adapters: options.adapters ?? {},
      machine: options.providerMachine ?? providerMachine,
      inspect: options.inspect,
      onStateChange: (handle, from, to) =>
        this.bus.emit('state.changed', { provider: handle.name, from, to, at: this.clock.now(), reason: handle.view.disabledReason }),
      onError: (error) => process.emitWarning(`switchyard: provider actor error: ${String(error)}`),
    });
    this.pool.apply(this.config);
    this.routes = new RouteTable(this.config, this.pool.handles);
    this.healthChecks = new HealthChecks(this.clock, this.pool);
    this.healthChecks.apply(this.config.health.probeIntervalMs);
    // Last: an engine that failed to start changes nothing about the process.
    applyV8Settings(options.disableV8Pretenuring === true);
  }

  get inFlight(): number {
    return this.running.size;
  }

  on<K extends EngineEventName>(name: K, listener: Listener<K>): () => void {
    return this.bus.on(name, listener);
  }

  models() {
    return this.routes.names();
  }

  async chat(request: ChatRequest, options: CallOptions = {}): Promise<ChatResult> {
    const run = this.start(request, 'chat', options);
    const output = await run.done;
    if (!output.ok) throw output.error;
    const response = output.response!;
    // Field by field: a spread of the adapter's object costs several µs per request (V8's
    // generic clone path), a tenth of the engine's whole budget.
    const result: ChatResult = {
      id: response.id,
      model: response.model,
      content: response.content,
      finishReason: response.finishReason,
      usage: response.usage,
      requestId: run.requestId,
      route: run.route.name,
      provider: output.provider,
      attempts: output.attempts,
      costUsd: output.costUsd,
    };
    if (response.toolCalls !== undefined) result.toolCalls = response.toolCalls;
    if (response.warnings !== undefined) result.warnings = response.warnings;
    return result;
  }

  stream(request: ChatRequest, options: CallOptions = {}): ChatStream {
    let run;
    const notes: StreamNotes = {};
    try {
      run = this.start(request, 'stream', options, notes);
    } catch (error) {
      return ChatStream.failed(error);
    }
    return ChatStream.fromRouter(run.actor, run.done, { requestId: run.requestId, route: run.route.name, notes });
  }

  providers(): ProviderStatus[] {
    return [...this.pool.handles.values()].map((handle) => providerStatus(handle));
  }

  operate(name: string, action: OperatorAction, reason?: string): ProviderStatus {
    this.assertRunning();
    const handle = this.pool.handles.get(name);
    if (handle === undefined) throw new SwitchyardError('unknown_provider', `unknown provider '${name}'`);
    if (!OPERATOR_ACTIONS.has(action)) throw new SwitchyardError('invalid_action', `unknown operator action '${String(action)}' (one of ${[...OPERATOR_ACTIONS].join(', ')})`);
    const at = this.clock.now();
    if (action === 'disable') handle.actor.send({ type: 'operator.disable', at, ...(reason === undefined ? {} : { reason }) });
    else handle.actor.send({ type: `operator.${action}`, at });
    return providerStatus(handle);
  }

  updateConfig(rawConfig: unknown, options: { check?: (next: SwitchyardConfig) => void } = {}): void {
    this.assertRunning();
    const next = deepFreeze(parseConfig(rawConfig, this.options.env ?? process.env));
    options.check?.(next);
    this.pool.apply(next);
    this.routes = new RouteTable(next, this.pool.handles, this.routes);
    if (next.routing.retryBudget.ratio !== this.config.routing.retryBudget.ratio || next.routing.retryBudget.minPerSecond !== this.config.routing.retryBudget.minPerSecond) {
      this.retryBudget = createRetryBudget(next.routing.retryBudget);
    }
    this.healthChecks.apply(next.health.probeIntervalMs);
    this.config = next;
    this.bus.emit('config.updated', { at: this.clock.now() });
  }

  /** Every call, the first or a later one, resolves once everything is closed. */
  stop(): Promise<void> {
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  private async stopNow(): Promise<void> {
    this.stopped = true;
    for (const router of [...this.running]) router.send({ type: 'engine.stop' });
    this.healthChecks.apply(0);
    await this.pool.stopAll();
    await this.ownedFetch?.close();
  }

  private assertRunning(): void {
    if (this.stopped) throw new SwitchyardError('stopped', 'this Switchyard instance is stopped');
  }

  /** Validates, routes and starts one request's router actor. */
  private start(request: ChatRequest, mode: 'chat' | 'stream', options: CallOptions, notes?: StreamNotes) {
    this.assertRunning();
    const startedAt = this.clock.now();
    // A caller's id that cannot be a header (it is sent upstream) is refused; the refusal is
    // reported under a generated one.
    const given = options.requestId;
    const requestId = given !== undefined && isRequestId(given) ? given : `${this.idPrefix}-${(++this.requestCounter).toString(36)}`;
    let route: Route | undefined;
    let filtered: { candidates: readonly Route['members'][number][] };
    let estimatedInputTokens: number;
    try {
      if (given !== undefined && given !== requestId) {
        throw new RequestError({ code: 'invalid_request', message: 'requestId: must be 1–128 of A-Z, a-z, 0-9, ".", "_", ":" or "-"', param: 'requestId' });
      }
      validateRequest(request);
      estimatedInputTokens = estimateInputTokens(request);
      route = this.routes.resolve({ model: request.model, inputTokens: estimatedInputTokens, task: request.task, stream: mode === 'stream' });
      // Hard limits before the capability preference, so that a preference never narrows the
      // route to providers that then cannot take the request.
      const members = request.responseFormat !== undefined || hasContentParts(request) ? carriers(route.members, request, route.name) : route.members;
      const { tokensFor } = estimatePrompt(request, members, route.smallestWindow, estimatedInputTokens);
      filtered = filterCandidates(members, { task: request.task, requiredTokens: estimatedInputTokens + (request.maxTokens ?? 0), tokensFor });
      if ((filtered as { rejected?: string }).rejected === 'context_length') {
        throw new RequestError({ code: 'context_length_exceeded', message: `about ${estimatedInputTokens} input tokens fit no provider of route '${route.name}'`, param: 'messages' });
      }
    } catch (error) {
      // Refused: still one `request.finished` event, for logs and metrics, under the route the
      // request was given once it has one (a refusal after routing), else the name it asked for.
      if (RequestError.is(error)) this.finish(requestId, route?.name ?? request?.model ?? 'default', mode, startedAt, { ok: false, error, attempts: [] });
      throw error;
    }
    const estimatedOutputTokens = estimateOutputTokens(request);
    this.retryBudget.recordRequest(startedAt);
    const actor = createActor(routerMachine, {
      input: {
        requestId,
        request,
        mode,
        candidates: filtered.candidates as Route['members'],
        strategy: route.strategy,
        selection: { estimatedInputTokens, estimatedOutputTokens, sequence: route.sequence++, random: this.random },
        routing: this.config.routing,
        retryBudget: this.retryBudget,
        clock: this.clock,
        random: this.random,
      },
      clock: this.clock,
      ...(this.options.inspect === undefined ? {} : { inspect: this.options.inspect }),
    });
    if (this.bus.has('attempt.finished')) {
      actor.on('attempt.finished', (event) => this.bus.emit('attempt.finished', { requestId: event.requestId, attempt: event.attempt, at: event.at }));
    }
    const done = new Promise<RouterOutput>((resolve) => {
      const signal = options.signal;
      let unwatch: (() => void) | undefined;
      actor.subscribe({
        complete: () => {
          unwatch?.();
          this.running.delete(actor);
          const output = settledRetryAfter(actor.getSnapshot().output!, filtered.candidates, this.clock.now());
          this.finish(requestId, route.name, mode, startedAt, output, notes?.warnings);
          resolve(output);
        },
        error: (error) => {
          unwatch?.();
          this.running.delete(actor);
          const failure = new RequestError({ code: 'all_attempts_failed', message: `internal router error: ${String(error)}`, cause: error });
          const output: RouterOutput = { ok: false, error: failure, attempts: [] };
          this.finish(requestId, route.name, mode, startedAt, output);
          resolve(output);
        },
      });
      this.running.add(actor);
      actor.start();
      if (signal !== undefined) {
        const onAbort = () => actor.send({ type: 'client.abort' });
        if (signal.aborted) onAbort();
        // A router with nothing to try has already ended in `start()`: nothing to watch for.
        else if (actor.getSnapshot().status === 'active') unwatch = watchAbort(signal, onAbort);
      }
    });
    return { actor, done, requestId, route };
  }

  private finish(requestId: string, route: string, mode: 'chat' | 'stream', startedAt: number, output: RouterOutput, streamWarnings?: string[]): void {
    if (!this.bus.has('request.finished')) return;
    const attempts = output.attempts;
    const usage = output.ok ? output.usage : undefined;
    this.bus.emit('request.finished', {
      requestId,
      route,
      provider: output.ok ? output.provider : (output.answeredBy ?? attempts[attempts.length - 1]?.provider),
      answered: output.ok || output.answeredBy !== undefined,
      status: output.ok ? 'ok' : output.error.code,
      attempts,
      inputTokens: usage?.inputTokens,
      outputTokens: usage?.outputTokens,
      cachedInputTokens: usage?.cachedInputTokens,
      cacheWriteInputTokens: usage?.cacheWriteInputTokens,
      costUsd: output.ok ? output.costUsd : undefined,
      latencyMs: this.clock.now() - startedAt,
      stream: mode === 'stream',
      cacheHit: false,
      errorMessage: output.ok ? undefined : output.error.message,
      warnings: output.ok ? (output.response?.warnings ?? streamWarnings) : undefined,
      at: this.clock.now(),
    });
  }
}

/**
 * A `rate_limited` failure's Retry-After, once the providers have taken in this request's
 * reports: the router decided to fail in the same step as it learned of the last 429, before
 * that provider entered `rate_limited` (with its clamped, jittered wait), so its figure may
 * miss that provider or understate its wait. Now every candidate's deadline is known: the
 * soonest one wins, so a client that waits that long finds a provider accepting calls.
 */
function settledRetryAfter(output: RouterOutput, candidates: readonly Route['members'][number][], now: number): RouterOutput {
  if (output.ok || output.error.code !== 'rate_limited') return output;
  const retryAfterMs = rateLimitRetryAfter(candidates, now);
  const error = output.error;
  if (retryAfterMs === undefined || retryAfterMs === error.retryAfterMs) return output;
  const settled = new RequestError({ code: error.code, message: error.message, attempts: error.attempts, retryAfterMs, cause: error.cause, ...(error.param === undefined ? {} : { param: error.param }) });
  return { ...output, error: settled };
}

function hasContentParts(request: ChatRequest): boolean {
  for (const message of request.messages) if (Array.isArray(message.content)) return true;
  return false;
}

/**
 * Freezes a validated configuration all the way down: the engine hands parts of it to every
 * request (routing settings, provider entries), so an edit through `engine.config` would
 * bypass validation.
 */
function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

/**
 * The candidates whose adapter can take `request` as it stands (`ProviderAdapter.refuses`:
 * an image in a form it cannot receive, a response format it cannot honour). When none can,
 * the request is refused (400), naming the part and each provider's reason.
 */
function carriers<C extends Route['members'][number]>(candidates: readonly C[], request: ChatRequest, route: string): readonly C[] {
  let kept: C[] | undefined;
  let refusals: { provider: string; param: string; reason: string }[] | undefined;
  candidates.forEach((candidate, i) => {
    const refusal = candidate.adapter.refuses?.(request);
    if (refusal === undefined) {
      kept?.push(candidate);
      return;
    }
    kept ??= candidates.slice(0, i);
    (refusals ??= []).push({ provider: candidate.name, ...refusal });
  });
  if (kept === undefined || refusals === undefined) return candidates;
  if (kept.length === 0) {
    const param = refusals[0]!.param;
    const reasons = refusals.map((r) => `${r.provider}: ${r.reason}${r.param === param ? '' : ` (${r.param})`}`).join('; ');
    throw new RequestError({ code: 'invalid_request', message: `${param}: no provider of route '${route}' can take it (${reasons})`, param });
  }
  return kept;
}
