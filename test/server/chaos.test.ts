/**
 * Chaos: the real gateway over real sockets, in front of one fake upstream of each type,
 * under random interleavings (fast-check) of streamed and non-streamed requests (fetch and
 * the openai SDK), client aborts, upstream faults, operator actions, config reloads and
 * virtual time. After each run: every request got exactly one well-formed answer, nothing
 * is left in flight or hanging, and logs and metrics account for every request once.
 *
 * Deterministic for a seed: each call's fault is chosen by its request id (not by arrival
 * order), and the driver takes its next step only once every request under way is parked
 * (waiting on a hanging upstream or a backoff, i.e. on the virtual clock) or settled.
 * Longer hunts: CHAOS_RUNS=1000 CHAOS_OPS=40; replay a failure: CHAOS_SEED=… CHAOS_PATH=….
 */
import fc from 'fast-check';
import OpenAI from 'openai';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { VirtualClock } from '../../src/core/clock.js';
import { createSwitchyard, type Switchyard } from '../../src/engine/switchyard.js';
import { statusForCode } from '../../src/server/errors.js';
import { createGateway, type Gateway } from '../../src/server/gateway.js';
import { anthropicWire } from '../fakes/anthropic.js';
import { geminiWire } from '../fakes/gemini.js';
import { ollamaWire } from '../fakes/ollama.js';
import { openaiWire } from '../fakes/openai.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/server.js';
import type { Behaviour, FakeWire, RecordedRequest } from '../fakes/types.js';
import { CANARY } from './helpers.js';

const KEY = 'chaos-gateway-key-0123456789';
const ADMIN = 'chaos-admin-key-0123456789';
const DEADLINE_MS = 1500;
/** Real-time bound on any wait for sockets (a watchdog: nothing waits this long when all is well). */
const STUCK_MS = 5000;
const NAMES = ['a', 'b', 'c', 'd'] as const;
type Name = (typeof NAMES)[number];
const WIRES: Record<Name, [string, FakeWire]> = { a: ['openai', openaiWire], b: ['anthropic', anthropicWire], c: ['gemini', geminiWire], d: ['ollama', ollamaWire] };
const HANGS = new Set(['hang-before-headers', 'hang-mid-stream']);
/** Statuses a client may see for a request (CONTRACT §3); 404 only for a `model` naming a provider. */
const ERROR_STATUSES = new Set([400, 404, 429, 502, 503, 504]);

// ---- what fast-check generates ----

const behaviour: fc.Arbitrary<Behaviour> = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Behaviour>({ type: 'ok' }) },
  fc.constant<Behaviour>({ type: 'error', kind: 'server' }),
  fc.integer({ min: 1, max: 3 }).map<Behaviour>((s) => ({ type: 'error', kind: 'rate_limit', headers: { 'retry-after': String(s) } })),
  fc.constant<Behaviour>({ type: 'error', kind: 'bad_request' }),
  { weight: 3, arbitrary: fc.constant<Behaviour>({ type: 'hang-before-headers' }) },
  { weight: 2, arbitrary: fc.constant<Behaviour>({ type: 'hang-mid-stream' }) },
  fc.constant<Behaviour>({ type: 'reset-before-headers' }),
  fc.constant<Behaviour>({ type: 'reset-mid-body' }),
  fc.constant<Behaviour>({ type: 'truncated-stream' }),
  fc.constant<Behaviour>({ type: 'garbage-json' }),
  fc.constant<Behaviour>({ type: 'stream-error', kind: 'server' }),
);

/** `undefined` four times in five. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>) => fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });

const requestSpec = fc.record({
  client: fc.constantFrom('fetch' as const, 'sdk' as const),
  stream: fc.boolean(),
  usage: fc.boolean(),
  model: fc.oneof({ weight: 4, arbitrary: fc.constant('default') }, fc.constantFrom(...NAMES)),
  /** Per upstream, the behaviour of this request's k-th call there (cycled). */
  script: fc.record({ a: fc.array(behaviour, { minLength: 1, maxLength: 3 }), b: fc.array(behaviour, { minLength: 1, maxLength: 3 }), c: fc.array(behaviour, { minLength: 1, maxLength: 3 }), d: fc.array(behaviour, { minLength: 1, maxLength: 3 }) }),
  /** A streamed request's client hangs up after this many frames. */
  abortAfterFrames: sometimes(fc.integer({ min: 0, max: 3 })),
  /** The client hangs up this many event-loop turns after it sent the request, wherever that lands. */
  abortAfterTurns: sometimes(fc.integer({ min: 0, max: 12 })),
});
type RequestSpec = typeof requestSpec extends fc.Arbitrary<infer T> ? T : never;

const configSpec = fc.record({
  providers: fc.shuffledSubarray([...NAMES], { minLength: 1 }),
  timeoutMs: fc.integer({ min: 300, max: 1400 }),
  maxAttempts: fc.integer({ min: 1, max: 4 }),
  strategy: fc.constantFrom('priority', 'round-robin', 'least-busy'),
  consecutiveFailures: fc.constantFrom(1, 2, 3, 1000),
  cooldownMs: fc.constantFrom(300, 1000, 4000),
  halfOpenProbes: fc.integer({ min: 1, max: 2 }),
  /** A new model is a new upstream: a reload then replaces the provider's actor and adapter. */
  model: fc.constantFrom('model', 'model-v2'),
});
type ConfigSpec = typeof configSpec extends fc.Arbitrary<infer T> ? T : never;

const single = fc.oneof(
  { weight: 6, arbitrary: requestSpec.map((spec) => ({ op: 'request' as const, spec })) },
  { weight: 2, arbitrary: fc.record({ provider: fc.constantFrom(...NAMES), action: fc.constantFrom('open', 'disable', 'enable', 'reset') }).map((o) => ({ op: 'operate' as const, ...o })) },
  { weight: 1, arbitrary: configSpec.map((config) => ({ op: 'reload' as const, config })) },
);
type Single = typeof single extends fc.Arbitrary<infer T> ? T : never;

const operation = fc.oneof(
  { weight: 8, arbitrary: single },
  /** Several at once: the next one starts before the last one is answered. */
  { weight: 2, arbitrary: fc.array(single, { minLength: 2, maxLength: 5 }).map((items) => ({ op: 'burst' as const, items })) },
  { weight: 1, arbitrary: fc.nat().map((index) => ({ op: 'abort' as const, index })) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 1500 }).map((ms) => ({ op: 'tick' as const, ms })) },
);
type Operation = typeof operation extends fc.Arbitrary<infer T> ? T : never;

// ---- the harness ----

const fakes = {} as Record<Name, FakeUpstream>;
/** The run under way: the fakes pick each call's behaviour from its request's script. */
let current: Run | undefined;

function configOf(spec: ConfigSpec) {
  return {
    server: { apiKeys: [KEY], adminKey: ADMIN },
    providers: spec.providers.map((name, i) => ({
      name,
      type: WIRES[name][0],
      baseUrl: fakes[name].baseUrl,
      apiKey: CANARY,
      model: `${name}-${spec.model}`,
      priority: i + 1,
      timeoutMs: spec.timeoutMs,
      options: { idleTimeoutMs: 400 },
    })),
    routes: { default: { providers: spec.providers, strategy: spec.strategy } },
    routing: { maxAttempts: spec.maxAttempts, deadlineMs: DEADLINE_MS, backoff: { baseMs: 20, maxMs: 80 } },
    health: { consecutiveFailures: spec.consecutiveFailures, cooldownMs: spec.cooldownMs, halfOpenProbes: spec.halfOpenProbes, minCalls: 4 },
  };
}

/** What a client saw. */
type Seen =
  | { kind: 'answer'; status: number; body: unknown; headers?: Headers }
  | { kind: 'stream'; frames: string[]; complete: boolean; headers?: Headers }
  | { kind: 'aborted' }
  | { kind: 'broken'; error: string };

interface Tracked {
  id: string;
  spec: RequestSpec;
  controller: AbortController;
  seen?: Seen;
  /** Times the client's call settled (must end at 1). */
  settledCount: number;
  abortedByOperation: boolean;
}

class Run {
  readonly clock = new VirtualClock(1_760_000_000_000);
  readonly requests: Tracked[] = [];
  readonly finished = new Map<string, number>();
  /** Request ids the gateway received (a client may hang up before its request is sent). */
  readonly arrived = new Set<string>();
  readonly logged = new Map<string, number>();
  readonly routers = new Map<string, { state: unknown; attempts: number }>();
  readonly providerActors = new Map<unknown, { name: string; inFlight: number; probesInFlight: number; active: boolean }>();
  /** Per request: upstream calls that arrived, per fake, and the router's finished attempts when the latest hanging one arrived. */
  readonly calls = new Map<string, { perFake: Map<Name, number>; hangAt?: number | undefined }>();
  readonly lines: string[] = [];
  operatorFailures = 0;
  engine!: Switchyard;
  gateway!: Gateway;
  url = '';

  constructor(readonly prefix: string) {}

  async start(config: ConfigSpec): Promise<void> {
    const inspect = (e: InspectionEvent): void => {
      if (e.type !== '@xstate.snapshot') return;
      const snapshot = e.snapshot as { value?: unknown; status?: string; context?: Record<string, unknown> };
      const context = snapshot.context;
      const input = context?.input as { requestId?: string } | undefined;
      if (typeof input?.requestId === 'string') {
        this.routers.set(input.requestId, { state: snapshot.value, attempts: (context!.attempts as unknown[]).length });
      } else if (typeof context?.name === 'string' && typeof context.probesInFlight === 'number') {
        this.providerActors.set(e.actorRef, { name: context.name, inFlight: context.inFlight as number, probesInFlight: context.probesInFlight, active: snapshot.status === 'active' });
      }
    };
    this.engine = createSwitchyard(configOf(config), { clock: this.clock, seed: 7, inspect });
    this.engine.on('request.finished', (event) => this.finished.set(event.requestId, (this.finished.get(event.requestId) ?? 0) + 1));
    const write = (line: string): void => {
      this.lines.push(line);
      const id = (JSON.parse(line) as { request_id?: string }).request_id;
      if (id !== undefined) this.logged.set(id, (this.logged.get(id) ?? 0) + 1);
    };
    this.gateway = createGateway(this.engine, { logDestination: { write } });
    this.gateway.server.on('request', (req: { headers: Record<string, unknown> }) => void this.arrived.add(String(req.headers['x-request-id'])));
    this.url = (await this.gateway.listen(0, '127.0.0.1')).url;
  }

  /** The behaviour of one upstream call, by its request's script. */
  choose(name: Name, request: RecordedRequest): Behaviour | undefined {
    const id = request.headers['x-request-id'];
    const tracked = this.requests.find((r) => r.id === id);
    if (tracked === undefined) return undefined;
    const calls = this.calls.get(tracked.id) ?? { perFake: new Map<Name, number>() };
    this.calls.set(tracked.id, calls);
    const k = calls.perFake.get(name) ?? 0;
    calls.perFake.set(name, k + 1);
    const script = tracked.spec.script[name];
    const chosen = script[k % script.length]!;
    calls.hangAt = HANGS.has(chosen.type) ? (this.routers.get(tracked.id)?.attempts ?? 0) : undefined;
    return chosen;
  }

  /** The client has its answer and the gateway has logged the request (or never received it). */
  settled(r: Tracked): boolean {
    if (r.seen === undefined) return false;
    return this.logged.has(r.id) || (r.seen.kind === 'aborted' && !this.arrived.has(r.id));
  }

  /** Waiting on the virtual clock only: a backoff, or the upstream call of its current attempt hangs. */
  parked(r: Tracked): boolean {
    const router = this.routers.get(r.id);
    if (router === undefined || this.finished.has(r.id)) return false;
    if (router.state === 'backoff') return true;
    const calls = this.calls.get(r.id);
    // An attempt cut before its call reached the fake leaves no trace there: compare attempts, not calls.
    return calls?.hangAt === router.attempts && (router.state === 'attempting' || router.state === 'streaming');
  }

  /** Spins the event loop until every request is parked or settled (and stays so for a few turns). */
  async quiesce(label: string): Promise<void> {
    const started = performance.now();
    let stable = 0;
    while (stable < 4) {
      await nextTurn();
      stable = this.requests.every((r) => this.settled(r) || this.parked(r)) ? stable + 1 : 0;
      if (performance.now() - started > STUCK_MS) throw new Error(`stuck ${label}: ${this.describe()}`);
    }
  }

  async until(check: () => boolean, label: string): Promise<void> {
    const started = performance.now();
    while (!check()) {
      await nextTurn();
      if (performance.now() - started > STUCK_MS) throw new Error(`stuck waiting for ${label}: ${this.describe()}`);
    }
  }

  describe(): string {
    return JSON.stringify(this.requests.filter((r) => !this.settled(r)).map((r) => ({ id: r.id, seen: r.seen?.kind, finished: this.finished.get(r.id), router: this.routers.get(r.id), calls: this.calls.get(r.id) && Object.fromEntries(this.calls.get(r.id)!.perFake), hangAt: this.calls.get(r.id)?.hangAt })));
  }

  launch(spec: RequestSpec): void {
    const tracked: Tracked = { id: `${this.prefix}-${this.requests.length}`, spec, controller: new AbortController(), settledCount: 0, abortedByOperation: false };
    this.requests.push(tracked);
    const body = { model: spec.model, messages: [{ role: 'user' as const, content: 'Hi' }], ...(spec.stream ? { stream: true, ...(spec.usage ? { stream_options: { include_usage: true } } : {}) } : {}) };
    const call = spec.client === 'sdk' ? viaSdk(this.url, tracked, body) : viaFetch(this.url, tracked, body);
    void call.then((seen) => {
      tracked.settledCount++;
      tracked.seen = seen;
    });
    const turns = spec.abortAfterTurns;
    if (turns !== undefined) {
      void (async () => {
        for (let i = 0; i < turns; i++) await nextTurn();
        if (tracked.seen === undefined) tracked.controller.abort();
      })();
    }
  }

  async apply(operation: Operation, config: { names: string[] }): Promise<void> {
    switch (operation.op) {
      case 'burst':
        await Promise.all(operation.items.map((item) => this.start1(item, config)));
        break;
      case 'abort': {
        // One of the requests under way (all parked now), if any.
        const open = this.requests.filter((r) => !this.settled(r));
        const target = open.length === 0 ? undefined : open[operation.index % open.length]!;
        if (target === undefined) break;
        target.abortedByOperation = true;
        target.controller.abort();
        // The gateway notices a client that left at once (no clock needed) and ends its request.
        await this.until(() => this.settled(target), `the abort of ${target.id}`);
        break;
      }
      case 'tick':
        await this.clock.advance(operation.ms);
        break;
      default:
        await this.start1(operation, config);
    }
    await this.quiesce(`after ${operation.op}`);
  }

  /** Starts one request (not awaited), operator action (awaited) or reload. */
  async start1(operation: Single, config: { names: string[] }): Promise<void> {
    switch (operation.op) {
      case 'request':
        this.launch(operation.spec);
        break;
      case 'operate': {
        const known = config.names.includes(operation.provider);
        const response = await fetch(`${this.url}/providers/${operation.provider}/${operation.action}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}` } });
        const body = (await response.json()) as Record<string, unknown>;
        // In a burst a reload may land first: then either answer is right.
        const reloaded = known !== config.names.includes(operation.provider);
        if (!reloaded) expect(response.status, `${operation.action} ${operation.provider}`).toBe(known ? 200 : 404);
        if (response.status === 200) expect(body).toMatchObject({ name: operation.provider, state: expect.any(String) });
        else {
          expect(response.status).toBe(404);
          expectOpenAIError(body);
          this.operatorFailures++;
        }
        break;
      }
      case 'reload':
        this.engine.updateConfig(configOf(operation.config));
        config.names = operation.config.providers;
        break;
    }
  }

  /** Lets virtual time run until every request has settled. */
  async drain(): Promise<void> {
    for (let guard = 0; ; guard++) {
      await this.quiesce('draining');
      if (this.requests.every((r) => this.settled(r))) return;
      const next = this.clock.nextDeadline();
      if (next === undefined || guard > 200) throw new Error(`requests that no timer will end: ${this.describe()}`);
      await this.clock.advance(Math.max(0, next - this.clock.now()));
    }
  }

  /** Closes the gateway, letting requests under way finish for `drainMs` of virtual time. */
  async close(drainMs = 0): Promise<void> {
    // Its drain timer runs on the virtual clock.
    let done = false;
    const closing = this.gateway.close(drainMs).finally(() => (done = true));
    const started = performance.now();
    while (!done) {
      await this.clock.advance(1);
      await nextTurn();
      if (performance.now() - started > STUCK_MS) throw new Error(`the gateway did not close: ${this.describe()}`);
    }
    await closing;
  }
}

function expectOpenAIError(body: unknown): { code: string } {
  const error = (body as { error?: Record<string, unknown> }).error;
  expect(error, JSON.stringify(body)).toMatchObject({ message: expect.any(String), type: expect.any(String), code: expect.any(String) });
  expect(error).toHaveProperty('param');
  return error as { code: string };
}

async function viaFetch(url: string, r: Tracked, body: Record<string, unknown>): Promise<Seen> {
  try {
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}`, 'x-request-id': r.id },
      body: JSON.stringify(body),
      signal: r.controller.signal,
    });
    if (response.headers.get('x-switchyard-request-id') !== r.id) return { kind: 'broken', error: `request id header ${response.headers.get('x-switchyard-request-id')}` };
    const headers = response.headers;
    if (response.status !== 200 || !r.spec.stream) return { kind: 'answer', status: response.status, body: JSON.parse(await response.text()) as unknown, headers };
    if (!/^text\/event-stream/.test(response.headers.get('content-type') ?? '')) return { kind: 'broken', error: 'a 200 stream that is not SSE' };
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      const frames = text.split('\n\n').slice(0, -1);
      if (r.spec.abortAfterFrames !== undefined && frames.length >= r.spec.abortAfterFrames) {
        r.controller.abort();
        return { kind: 'stream', frames, complete: false, headers };
      }
    }
    return { kind: 'stream', headers, frames: text.split('\n\n').slice(0, -1).concat(text.endsWith('\n\n') ? [] : [`<unterminated>${text.slice(text.lastIndexOf('\n\n') + 2)}`]), complete: true };
  } catch (error) {
    if (r.controller.signal.aborted) return { kind: 'aborted' };
    return { kind: 'broken', error: String(error) };
  }
}

async function viaSdk(url: string, r: Tracked, body: Record<string, unknown>): Promise<Seen> {
  const client = new OpenAI({ apiKey: KEY, baseURL: `${url}/v1`, maxRetries: 0 });
  const options = { signal: r.controller.signal, headers: { 'x-request-id': r.id } };
  const frames: string[] = [];
  try {
    if (!r.spec.stream) {
      const data = await client.chat.completions.create(body as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming, options);
      return { kind: 'answer', status: 200, body: data };
    }
    const stream = await client.chat.completions.create(body as unknown as OpenAI.ChatCompletionCreateParamsStreaming, options);
    for await (const chunk of stream) {
      frames.push(JSON.stringify(chunk));
      if (r.spec.abortAfterFrames !== undefined && frames.length >= r.spec.abortAfterFrames) {
        r.controller.abort();
        return { kind: 'stream', frames, complete: false };
      }
    }
    if (r.controller.signal.aborted) return { kind: 'aborted' };
    return { kind: 'stream', frames: [...frames, '[DONE]'], complete: true };
  } catch (error) {
    if (r.controller.signal.aborted) return { kind: 'aborted' };
    if (error instanceof OpenAI.APIError) {
      // Before the stream started: an HTTP status; after: the one error event of the stream.
      if (error.status !== undefined) return { kind: 'answer', status: error.status, body: { error: error.error } };
      return { kind: 'stream', frames: [...frames, JSON.stringify({ error: error.error })], complete: true };
    }
    return { kind: 'broken', error: String(error) };
  }
}

/** Checks one client's view; returns the HTTP status the log must show, when it is known. */
function checkSeen(r: Tracked): number | undefined {
  const seen = r.seen!;
  expect(r.settledCount, `${r.id} settled`).toBe(1);
  if (seen.kind === 'broken') expect.fail(`${r.id}: ${seen.error}`);
  if (seen.kind === 'aborted') {
    expect(r.abortedByOperation || r.spec.abortAfterFrames !== undefined || r.spec.abortAfterTurns !== undefined, `${r.id} aborted`).toBe(true);
    return r.abortedByOperation ? 499 : undefined;
  }
  if (seen.kind === 'answer') {
    if (seen.status === 200) {
      expect(seen.body, r.id).toMatchObject({ object: 'chat.completion', model: expect.any(String), choices: [{ message: { role: 'assistant' } }] });
      return 200;
    }
    expect(ERROR_STATUSES.has(seen.status), `${r.id} status ${seen.status}`).toBe(true);
    if (seen.status === 404) expect(r.spec.model, `${r.id} 404 for a route`).not.toBe('default');
    expect(statusForCode(expectOpenAIError(seen.body).code), `${r.id} code`).toBe(seen.status);
    return seen.status;
  }
  // A stream: chunks, then exactly one terminator ([DONE] or one error event), nothing after.
  const frames = seen.frames.map((frame) => (frame.startsWith('data: ') ? frame.slice(6) : frame));
  const end = frames.findIndex((frame) => frame === '[DONE]' || frame.startsWith('{"error"'));
  expect(end === -1 ? !seen.complete : end === frames.length - 1, `${r.id} terminator: ${frames.join(' | ')}`).toBe(true);
  for (const frame of end === -1 ? frames : frames.slice(0, end)) {
    expect(JSON.parse(frame) as unknown, `${r.id} chunk`).toMatchObject({ object: 'chat.completion.chunk', choices: expect.any(Array) });
  }
  if (end === -1) return undefined;
  if (frames[end] === '[DONE]') {
    const chunks = frames.slice(0, end).map((frame) => JSON.parse(frame) as { choices: { finish_reason: string | null }[]; usage?: unknown });
    expect(chunks.some((chunk) => chunk.choices.some((choice) => choice.finish_reason !== null)), `${r.id} finish reason`).toBe(true);
    // include_usage: one last chunk without choices carries the usage (null when unknown).
    if (r.spec.usage && seen.complete) expect(chunks.at(-1), `${r.id} usage chunk`).toMatchObject({ choices: [], usage: expect.anything() });
    return seen.complete ? 200 : undefined;
  }
  const status = statusForCode(expectOpenAIError(JSON.parse(frames[end]!)).code);
  expect([429, 502, 503, 504], `${r.id} in-stream error ${status}`).toContain(status);
  return seen.complete ? status : undefined;
}

/** The x-switchyard headers and Retry-After agree with the log line (fetch clients see headers). */
function checkHeaders(r: Tracked, line: { status: number; attempts?: number; selected_provider?: string | null }): void {
  const seen = r.seen!;
  const headers = seen.kind === 'answer' || seen.kind === 'stream' ? seen.headers : undefined;
  if (headers === undefined) return;
  const status = seen.kind === 'answer' ? seen.status : 200;
  const attempts = headers.get('x-switchyard-attempts');
  if (status === 200) {
    expect([headers.get('x-switchyard-provider'), attempts], `${r.id} answer headers`).toEqual([line.selected_provider, String(line.attempts)]);
  } else {
    expect(attempts, `${r.id} x-switchyard-attempts`).toBe(line.attempts === 0 ? null : String(line.attempts));
  }
  // Every 429 here comes from upstreams that sent Retry-After: it is known, so it is passed on.
  if (status === 429) expect(Number(headers.get('retry-after')), `${r.id} Retry-After`).toBeGreaterThanOrEqual(1);
}

function metricSamples(text: string, family: string): { labels: string; value: number }[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${family}{`))
    .map((line) => ({ labels: line.slice(line.indexOf('{'), line.lastIndexOf('}') + 1), value: Number(line.slice(line.lastIndexOf(' ') + 1)) }));
}

/**
 * Runs one scenario. With `shutdownDrainMs`, the gateway closes while requests are still under
 * way, instead of virtual time finishing them: each still gets one answer.
 */
async function runScenario(initial: ConfigSpec, operations: Operation[], shutdownDrainMs: number | undefined, index: number): Promise<void> {
  const run = new Run(`chaos${index}`);
  current = run;
  for (const fake of Object.values(fakes)) fake.reset();
  await run.start(initial);
  const config = { names: initial.providers as string[] };
  let closed = false;
  try {
    for (const operation of operations) await run.apply(operation, config);
    if (shutdownDrainMs !== undefined) {
      await run.close(shutdownDrainMs);
      closed = true;
      await run.until(() => run.requests.every((r) => run.settled(r)), 'every request to be answered after the shutdown');
    } else {
      await run.drain();
      // Nothing in flight at the gateway, nor listed by it.
      await run.until(() => run.gateway.active === 0, 'the gateway to finish its answers');
      const listed = (await (await fetch(`${run.url}/providers`)).json()) as { name: string; inFlight: number }[];
      expect(listed.map((p) => [p.name, p.inFlight])).toEqual(config.names.map((name) => [name, 0]));
    }

    // Nothing in flight: engine, provider actors (the live ones), probe permits, upstream calls.
    expect(run.engine.inFlight).toBe(0);
    for (const provider of run.engine.providers()) expect(provider.inFlight, `${provider.name} inFlight`).toBe(0);
    for (const actor of run.providerActors.values()) if (actor.active) expect([actor.name, actor.inFlight, actor.probesInFlight]).toEqual([actor.name, 0, 0]);
    for (const name of NAMES) await run.until(() => fakes[name].hanging === 0, `${name}'s hanging calls to be cut`);

    // Each request: one answer, well formed, one log line agreeing with it, within the deadline.
    const logs = run.lines.map((line) => JSON.parse(line) as { request_id: string; status: number; latency_ms: number; attempts: number; selected_provider: string | null });
    for (const r of run.requests) {
      const status = checkSeen(r);
      const lines = logs.filter((line) => line.request_id === r.id);
      if (!run.arrived.has(r.id)) {
        // Hung up before its request was sent: nothing to answer, nothing to log.
        expect([r.seen!.kind, lines.length, run.finished.get(r.id)], r.id).toEqual(['aborted', 0, undefined]);
        continue;
      }
      expect(lines, `${r.id} log lines`).toHaveLength(1);
      // Once through the engine (a client gone during its upload never gets there).
      expect(run.finished.get(r.id) ?? 0, `${r.id} request.finished events`).toBe(lines[0]!.status === 499 && run.finished.get(r.id) === undefined ? 0 : 1);
      if (status !== undefined) expect(lines[0]!.status, `${r.id} logged status`).toBe(status);
      checkHeaders(r, lines[0]!);
      expect(lines[0]!.latency_ms, `${r.id} latency`).toBeLessThanOrEqual(DEADLINE_MS);
    }
    expect(logs).toHaveLength(run.requests.filter((r) => run.arrived.has(r.id)).length + run.operatorFailures);

    // Metrics count every request once, by the status its log line shows.
    const text = closed ? await run.gateway.metrics.render() : await (await fetch(`${run.url}/metrics`)).text();
    const byStatus = new Map<string, number>();
    for (const sample of metricSamples(text, 'switchyard_requests_total')) {
      const status = /status="(\d+)"/.exec(sample.labels)![1]!;
      byStatus.set(status, (byStatus.get(status) ?? 0) + sample.value);
    }
    const logged = new Map<string, number>();
    for (const line of logs) logged.set(String(line.status), (logged.get(String(line.status)) ?? 0) + 1);
    expect(Object.fromEntries(byStatus)).toEqual(Object.fromEntries(logged));
    expect(text).toMatch(/^switchyard_in_flight_requests 0$/m);
  } finally {
    for (const r of run.requests) r.controller.abort();
    if (!closed) await run.close();
    current = undefined;
  }
  // The engine's stop closed its connection pool: no upstream socket is left, no timer either.
  for (const name of NAMES) await run.until(() => fakes[name].connections === 0, `${name}'s connections to close`);
  expect(run.clock.pending).toBe(0);
}

beforeAll(async () => {
  // XState's development build warns of events sent to stopped actors: here, attempts that
  // outlive their provider's actor across a reload report to it (ignored, as designed).
  const warn = console.warn.bind(console);
  vi.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
    if (!String(args[0]).includes('was sent to stopped actor')) warn(...args);
  });
  for (const name of NAMES) fakes[name] = await startFakeUpstream(WIRES[name][1], { choose: (request) => current?.choose(name, request) });
});
afterAll(async () => {
  vi.restoreAllMocks();
  await Promise.all(Object.values(fakes).map((fake) => fake.close()));
});

describe('gateway chaos', () => {
  it('answers every request exactly once and leaks nothing, whatever happens at once', async () => {
    let index = 0;
    await fc.assert(
      fc.asyncProperty(
        configSpec,
        fc.array(operation, { minLength: 4, maxLength: Number(process.env.CHAOS_OPS ?? 20), size: 'max' }),
        sometimes(fc.constantFrom(0, 300)),
        (initial, operations, shutdownDrainMs) => runScenario(initial, operations, shutdownDrainMs, index++),
      ),
      { numRuns: Number(process.env.CHAOS_RUNS ?? 40), interruptAfterTimeLimit: 45_000, markInterruptAsFailure: true, ...(process.env.CHAOS_SEED ? { seed: Number(process.env.CHAOS_SEED), path: process.env.CHAOS_PATH, endOnFailure: true } : {}) },
    );
  }, 60_000);
});
