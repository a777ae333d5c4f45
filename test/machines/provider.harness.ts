/** Test harness for provider actors: a virtual clock, a reply collector and short event helpers. */
import { createActor, fromCallback, type AnyStateMachine, type InspectionEvent } from 'xstate';
import type { HealthConfig } from '../../src/config/types.js';
import { VirtualClock } from '../../src/core/clock.js';
import type { ProviderContext } from '../../machines/provider.logic.js';
import { providerMachine, providerStateName } from '../../machines/provider.machine.js';
import type { ProviderEvent, SlotReply, SlotToken } from '../../machines/provider.types.js';

/** The defaults of CONTRACT §2, small enough for hand-written scenarios. */
export const HEALTH: HealthConfig = {
  consecutiveFailures: 5,
  failureRate: 0.5,
  degradedFailureRate: 0.2,
  minCalls: 10,
  windowMs: 60_000,
  slowCallMs: 10_000,
  cooldownMs: 10_000,
  maxCooldownMs: 300_000,
  halfOpenProbes: 3,
  probeIntervalMs: 0,
};

/** An event without its timestamp; the harness stamps it with the clock's `now()`. */
export type Untimed<E> = E extends { at: number } ? Omit<E, 'at'> : never;

/** Starts a provider actor on a fresh virtual clock with a collector for its replies. */
export function startProvider(
  options: { health?: Partial<HealthConfig>; seed?: number; machine?: AnyStateMachine; inspect?: (event: InspectionEvent) => void } = {},
) {
  const clock = new VirtualClock(0);
  const replies: SlotReply[] = [];
  const errors: unknown[] = [];
  const collector = createActor(
    fromCallback<SlotReply>(({ receive }) => {
      receive((reply) => replies.push(reply));
    }),
  ).start();
  const health = { ...HEALTH, ...options.health };
  const actor = createActor(options.machine ?? providerMachine, {
    clock,
    input: { name: 'p', health, seed: options.seed ?? 1, now: 0 },
    inspect: options.inspect,
  });
  actor.subscribe({ error: (error) => errors.push(error) });
  actor.start();
  let requests = 0;

  const send = (event: Untimed<ProviderEvent>): void => {
    actor.send({ ...event, at: clock.now() } as ProviderEvent);
  };
  const acquire = (panic = false): SlotReply => {
    send({ type: 'slot.acquire', requestId: `r${++requests}`, replyTo: collector, panic });
    const reply = replies.at(-1);
    if (reply === undefined) throw new Error('no reply');
    return reply;
  };
  const tokenOf = (reply: SlotReply): SlotToken => {
    if (reply.type !== 'slot.granted') throw new Error(`denied: ${reply.reason}`);
    return reply.token;
  };
  return {
    clock,
    actor,
    replies,
    errors,
    collector,
    send,
    acquire,
    tokenOf,
    state: (): string => providerStateName(actor.getSnapshot()),
    ctx: (): ProviderContext => actor.getSnapshot().context as ProviderContext,
    succeed: (token: SlotToken, latencyMs = 100) => send({ type: 'attempt.succeeded', token, latencyMs }),
    fail: (token: SlotToken) => send({ type: 'attempt.failed', token, kind: 'server', latencyMs: 100 }),
    rateLimit: (token: SlotToken, retryAfterMs?: number) => send({ type: 'attempt.rate_limited', token, retryAfterMs }),
    /** Acquires a slot and reports the outcome at once. */
    call(outcome: 'ok' | 'fail' | 'slow' | 'rate_limit', retryAfterMs?: number): void {
      const token = tokenOf(acquire());
      if (outcome === 'ok') send({ type: 'attempt.succeeded', token, latencyMs: 100 });
      else if (outcome === 'slow') send({ type: 'attempt.succeeded', token, latencyMs: health.slowCallMs + 1 });
      else if (outcome === 'fail') send({ type: 'attempt.failed', token, kind: 'server', latencyMs: 100 });
      else send({ type: 'attempt.rate_limited', token, retryAfterMs });
    },
    advance: (ms: number) => clock.advanceSync(ms),
  };
}

/** A started provider actor with its helpers. */
export type ProviderHarness = ReturnType<typeof startProvider>;
