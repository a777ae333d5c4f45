/**
 * Router properties under random outage schedules and random interleavings of upstream
 * answers (fast-check's scheduler decides which pending call resolves next; the virtual
 * clock fires timeouts, backoffs, deadlines and cooldowns in between).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AdapterFactory } from '../../src/core/adapter.js';
import { VirtualClock, flushMicrotasks } from '../../src/core/clock.js';
import { ProviderError, RequestError, type ErrorKind } from '../../src/core/errors.js';
import type { ChatResponse } from '../../src/core/types.js';
import type { RequestFinishedEvent } from '../../src/engine/events.js';
import { createSwitchyard } from '../../src/engine/switchyard.js';
import type { InspectionEvent } from 'xstate';
import type { RouterContext } from '../../machines/router.logic.js';

type Outcome = 'ok' | 'server' | 'timeout-hang' | 'rate_limit' | 'bad_request' | 'auth';
const OUTCOMES: Outcome[] = ['ok', 'server', 'timeout-hang', 'rate_limit', 'bad_request', 'auth'];
const SELECTABLE_OR_PROBE = new Set(['healthy', 'degraded', 'half_open']);
const NON_RETRYABLE: ReadonlySet<ErrorKind | 'ok'> = new Set(['bad_request', 'context_length', 'content_filter']);
/** Refusals that mean the router asked a provider that was not selectable (retry_budget is the router's own). */
const NOT_SELECTABLE_REFUSALS = new Set(['not_selectable', 'probes_busy', 'rate_limited', 'disabled']);

const scenario = fc.record({
  providers: fc.integer({ min: 1, max: 4 }),
  maxAttempts: fc.integer({ min: 1, max: 4 }),
  /** Often shorter than a hang's per-attempt timeout (5 s), so that deadlines really cut requests. */
  deadlineMs: fc.integer({ min: 500, max: 30_000 }),
  strategy: fc.constantFrom('priority', 'round-robin', 'weighted', 'least-latency', 'least-busy'),
  /** Per provider, the outcome of its k-th call (cycled). */
  outcomes: fc.array(fc.array(fc.constantFrom(...OUTCOMES), { minLength: 1, maxLength: 8 }), { minLength: 4, maxLength: 4 }),
  requests: fc.array(fc.record({ at: fc.integer({ min: 0, max: 20_000 }) }), { minLength: 1, maxLength: 12 }),
  operator: fc.array(fc.record({ at: fc.integer({ min: 0, max: 20_000 }), provider: fc.nat(3), action: fc.constantFrom('open' as const, 'reset' as const, 'disable' as const, 'enable' as const) }), { maxLength: 4 }),
  /** How the driver interleaves: true = resolve a scheduled call, false = advance time. */
  steps: fc.infiniteStream(fc.boolean()),
});

describe('router properties', () => {
  it('obeys selectability, maxAttempts, non-retryable errors, deadlines, and leaks nothing', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, fc.scheduler(), async (s, scheduler) => {
        const clock = new VirtualClock(0);
        const names = Array.from({ length: s.providers }, (_, i) => `p${i}`);
        const counts = new Map<string, number>();
        const violations: string[] = [];
        const deadlineMs = s.deadlineMs;
        let engineRef: ReturnType<typeof createSwitchyard> | undefined;

        const factory: AdapterFactory = (settings) => {
          const index = names.indexOf(settings.name);
          const answer = async (context: { signal: AbortSignal; requestId: string }): Promise<ChatResponse> => {
            const state = engineRef!.providers().find((p) => p.name === settings.name)!.state;
            const finished = requestAttempts.get(context.requestId) ?? 0;
            // A call to an open provider is allowed only as the single panic attempt of a request.
            if (!SELECTABLE_OR_PROBE.has(state) && !(state === 'open' && finished === 0)) {
              violations.push(`${settings.name} called while ${state}`);
            }
            callsByRequest.set(context.requestId, (callsByRequest.get(context.requestId) ?? 0) + 1);
            const k = counts.get(settings.name) ?? 0;
            counts.set(settings.name, k + 1);
            const script = s.outcomes[index]!;
            const outcome = script[k % script.length]!;
            if (outcome === 'timeout-hang') {
              hangs.push(context.signal);
              return new Promise<never>((_, reject) =>
                context.signal.addEventListener('abort', () => reject(new ProviderError({ provider: settings.name, kind: 'aborted', message: 'aborted' })), { once: true }),
              );
            }
            await scheduler.schedule(Promise.resolve(outcome), `${settings.name}#${k}:${outcome}`);
            if (outcome === 'ok') {
              return { id: 'x', model: settings.model, content: 'ok', finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: 1, outputTokens: 1 } };
            }
            throw new ProviderError({ provider: settings.name, kind: outcome, message: outcome, ...(outcome === 'rate_limit' ? { retryAfterMs: 2000 } : {}) });
          };
          return {
            chat: (_request, context) => answer(context),
            stream: () => {
              throw new Error('not used');
            },
          };
        };
        const requestAttempts = new Map<string, number>();
        /** Upstream calls actually made, per request (not the attempts the router lists). */
        const callsByRequest = new Map<string, number>();
        /** Signals of calls that hang until cancelled: each must be aborted by the end. */
        const hangs: AbortSignal[] = [];
        /** Each provider actor's latest context, for its probe permits. */
        const providerContexts = new Map<string, { probesInFlight: number }>();
        const inspect = (e: InspectionEvent): void => {
          if (e.type === '@xstate.snapshot') {
            const context = (e.snapshot as { context?: { name?: unknown; probesInFlight?: unknown } }).context;
            if (typeof context?.name === 'string' && typeof context.probesInFlight === 'number') providerContexts.set(context.name, context as { probesInFlight: number });
          }
          // A refusal for a non-selectable provider, of an attempt planned without a backoff (so
          // no time passed since the plan) and not in panic: the router picked it while non-selectable.
          const reason: unknown = e.type === '@xstate.event' && e.event.type === 'slot.denied' ? e.event.reason : undefined;
          if (e.type === '@xstate.event' && typeof reason === 'string' && NOT_SELECTABLE_REFUSALS.has(reason)) {
            const router = (e.actorRef.getSnapshot() as { context?: RouterContext }).context;
            const plan = router?.plan;
            if (plan?.type === 'attempt' && !plan.panic && plan.backoffMs === 0) {
              violations.push(`${router!.input.requestId} picked ${plan.candidate.name} while it was not selectable (${reason})`);
            }
          }
        };

        const engine = createSwitchyard(
          {
            providers: names.map((name, i) => ({ name, type: 'simulated', priority: i, timeoutMs: 5000 })),
            routes: { default: { providers: names, strategy: s.strategy } },
            routing: { maxAttempts: s.maxAttempts, deadlineMs, backoff: { baseMs: 50, maxMs: 500 } },
            health: { consecutiveFailures: 2, cooldownMs: 3000, maxCooldownMs: 20_000, halfOpenProbes: 1, minCalls: 4 },
            seed: 3,
          },
          { clock, adapters: { simulated: factory }, inspect },
        );
        engineRef = engine;
        engine.on('attempt.finished', (event) => requestAttempts.set(event.requestId, (requestAttempts.get(event.requestId) ?? 0) + 1));
        const finished = new Map<string, RequestFinishedEvent[]>();
        engine.on('request.finished', (event) => finished.set(event.requestId, [...(finished.get(event.requestId) ?? []), event]));

        const timeline = [
          ...s.requests.map((r, i) => ({ at: r.at, run: () => start(i) })),
          ...s.operator.map((o) => ({ at: o.at, run: () => void engine.operate(names[o.provider % names.length]!, o.action) })),
        ].sort((a, b) => a.at - b.at);

        const results = new Map<string, { startedAt: number; settled: number; error?: RequestError; attempts: number }>();
        const pending: Promise<void>[] = [];
        const start = (i: number) => {
          const requestId = `r${i}`;
          const record = { startedAt: clock.now(), settled: 0, attempts: 0 } as { startedAt: number; settled: number; error?: RequestError; attempts: number };
          results.set(requestId, record);
          pending.push(
            engine.chat({ messages: [{ role: 'user', content: 'hi' }] }, { requestId }).then(
              (result) => {
                record.settled++;
                record.attempts = result.attempts.length;
                if (clock.now() - record.startedAt > deadlineMs) violations.push(`${requestId} answered after its deadline`);
              },
              (error: RequestError) => {
                record.settled++;
                record.error = error;
                record.attempts = error.attempts.length;
                if (clock.now() - record.startedAt > deadlineMs) violations.push(`${requestId} failed after its deadline`);
              },
            ),
          );
        };

        const steps = s.steps[Symbol.iterator]();
        let guard = 0;
        while ((timeline.length > 0 || [...results.values()].some((r) => r.settled === 0)) && guard++ < 5000) {
          if (timeline.length > 0 && timeline[0]!.at <= clock.now()) {
            timeline.shift()!.run();
            await flushMicrotasks();
            continue;
          }
          if (scheduler.count() > 0 && steps.next().value === true) {
            await scheduler.waitOne();
            await flushMicrotasks();
            continue;
          }
          const nextTimer = clock.nextDeadline();
          const nextEvent = timeline[0]?.at;
          const target = Math.min(nextTimer ?? Infinity, nextEvent ?? Infinity);
          if (target === Infinity) {
            if (scheduler.count() > 0) await scheduler.waitOne();
            await flushMicrotasks();
            continue;
          }
          await clock.advance(Math.max(0, target - clock.now()));
        }
        await Promise.all(pending);

        for (const [requestId, record] of results) {
          expect(record.settled, `${requestId} settled`).toBe(1);
          expect(finished.get(requestId)?.length, `${requestId} finished events`).toBe(1);
          expect(record.attempts).toBeLessThanOrEqual(s.maxAttempts);
          expect(callsByRequest.get(requestId) ?? 0, `${requestId} upstream calls`).toBeLessThanOrEqual(s.maxAttempts);
          const attempts = finished.get(requestId)![0]!.attempts;
          const firstFinal = attempts.findIndex((a) => NON_RETRYABLE.has(a.kind));
          if (firstFinal >= 0) {
            expect(firstFinal, `${requestId} failed over a non-retryable error`).toBe(attempts.length - 1);
            expect(record.error?.code).toBe('upstream_bad_request');
          }
        }
        expect(violations).toEqual([]);
        expect(hangs.filter((signal) => !signal.aborted), 'hanging upstream calls never cancelled').toHaveLength(0);
        // Drain: nothing in flight, no probe permit held.
        for (const provider of engine.providers()) expect(provider.inFlight, `${provider.name} inFlight`).toBe(0);
        expect(providerContexts.size).toBe(s.providers);
        for (const [name, context] of providerContexts) expect(context.probesInFlight, `${name} probe permits`).toBe(0);
        await engine.stop();
        expect(clock.pending).toBe(0);
      }),
      { numRuns: process.env.CI ? 300 : 150 },
    );
  });
});
