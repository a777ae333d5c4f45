/**
 * The provider health actor: one per configured upstream. Pure (no IO, never reads time),
 * every behaviour named in `setup` so tests and users can swap it with `.provide()`.
 * The protocol is in `provider.types.ts`; the arithmetic in `provider.logic.ts`.
 */
import { assign, enqueueActions, setup, type SnapshotFrom } from 'xstate';
import { emptyWindow } from './health-window.js';
import {
  cooldownMs,
  decayedTrips,
  evidenceFaded,
  extendedRateLimit,
  freshStart,
  initialContext,
  isStale,
  judge,
  nextRandom,
  rateLimitMs,
  recheckMs,
  settle,
  settleAndRecord,
  withOutcome,
  type ProviderContext,
} from './provider.logic.js';
import { TAGS, type ProviderEvent, type ProviderInput, type SlotReply } from './provider.types.js';

export type { ProviderContext } from './provider.logic.js';

/** A tag the router obeys. */
export type ProviderTag = (typeof TAGS)[keyof typeof TAGS];

type DenyReason = Extract<SlotReply, { type: 'slot.denied' }>['reason'];

const timeOf = (context: ProviderContext, event: ProviderEvent): number => ('at' in event ? event.at : context.decidedAt);

/** The named guards, actions and delays of the provider actor; build variants from it. */
export const providerSetup = setup({
  types: {
    context: {} as ProviderContext,
    events: {} as ProviderEvent,
    input: {} as ProviderInput,
    tags: {} as ProviderTag,
  },
  guards: {
    isStale: ({ context, event }) => isStale(context, event),
    /** A report of a call granted before the last operator reset or enable. */
    predatesFreshStart: ({ context, event }) => 'token' in event && event.token.generation < context.stats.freshGeneration,
    isPanic: ({ event }) => event.type === 'slot.acquire' && event.panic === true,
    probeAvailable: ({ context }) => context.probesInFlight < context.health.halfOpenProbes,
    outcomeOpens: ({ context, event }) => judge(context, event).opens,
    outcomeDegrades: ({ context, event }) => judge(context, event).degrades,
    outcomeRecovers: ({ context, event }) => judge(context, event).recovers,
    /** This success completes a trial of `successes` (default `halfOpenProbes`). */
    trialPasses: ({ context }, params: { successes?: number } | undefined) =>
      context.probeSuccesses + 1 >= (params?.successes ?? context.health.halfOpenProbes),
    hasTrips: ({ context }) => context.tripCount > 0,
    resumesTo: ({ context }, params: { state: string }) => context.resumeTo === params.state,
    /** A 429 reported while rate-limited waits longer than the wait already set. */
    extendsRateLimit: ({ context, event }) => extendedRateLimit(context, event) !== undefined,
    /** A `config.update` that changes `windowMs`: timers counted in windows start again. */
    resizesWindow: ({ context, event }) => event.type === 'config.update' && event.health.windowMs !== context.health.windowMs,
    /** The evidence that degraded the provider has aged out of its window, or no longer degrades it. */
    evidenceFaded: ({ context }) => evidenceFaded(context, context.decidedAt + recheckMs(context)),
  },
  actions: {
    grantSlot: enqueueActions(({ context, event, enqueue }, params: { probe: boolean }) => {
      if (event.type !== 'slot.acquire') return;
      const reply: SlotReply = {
        type: 'slot.granted',
        provider: context.name,
        requestId: event.requestId,
        token: { generation: context.generation, probe: params.probe },
      };
      enqueue.assign({ inFlight: context.inFlight + 1, probesInFlight: context.probesInFlight + (params.probe ? 1 : 0), lastSlot: reply });
      if (event.replyTo !== undefined) enqueue.sendTo(event.replyTo, reply);
    }),
    denySlot: enqueueActions(({ context, event, enqueue }, params: { reason: DenyReason }) => {
      if (event.type !== 'slot.acquire') return;
      const reply: SlotReply = { type: 'slot.denied', provider: context.name, requestId: event.requestId, reason: params.reason };
      if (params.reason === 'rate_limited' && context.rateLimitedUntil !== undefined) {
        reply.retryAfterMs = Math.max(0, context.rateLimitedUntil - event.at);
      }
      enqueue.assign({ lastSlot: reply });
      if (event.replyTo !== undefined) enqueue.sendTo(event.replyTo, reply);
    }),
    settleReport: assign(({ context, event }) => ('token' in event ? settle(context, event) : {})),
    recordOutcome: assign(({ context, event }) => withOutcome(context, event)),
    /** `settleReport` then `recordOutcome`, in one update. */
    recordReport: assign(({ context, event }) => ('token' in event ? settleAndRecord(context, event) : withOutcome(context, event))),
    countTrialSuccess: assign({ probeSuccesses: ({ context }) => context.probeSuccesses + 1 }),
    resetTrial: assign({ probeSuccesses: 0 }),
    /** Healthy again (a passed trial, a recovery): the evidence starts afresh, and so does the trip count's decay. */
    recover: assign(({ context, event }) => {
      const at = timeOf(context, event);
      return { consecutiveFailures: 0, window: emptyWindow(context.health.windowMs), stats: { ...context.stats, healthySince: at }, decidedAt: at };
    }),
    enterOpen: assign(({ context, event }) => {
      const at = timeOf(context, event);
      const tripCount = context.tripCount + 1;
      const [r, rng] = nextRandom(context.rng);
      const cooldownUntil = at + cooldownMs(context.health, tripCount, r);
      return { generation: context.generation + 1, tripCount, rng, decidedAt: at, cooldownUntil };
    }),
    clearCooldown: assign({ cooldownUntil: undefined }),
    endProbes: assign({ probesInFlight: 0 }),
    enterHalfOpen: assign(({ context }) => ({ generation: context.generation + 1, probesInFlight: 0, probeSuccesses: 0 })),
    startRateLimit: assign(({ context, event }, params: { from?: string }) => {
      const at = timeOf(context, event);
      const streak = context.rateLimitStreak + 1;
      const retryAfterMs = event.type === 'attempt.rate_limited' ? event.retryAfterMs : undefined;
      const [r, rng] = nextRandom(context.rng);
      return {
        rateLimitStreak: streak,
        rng,
        decidedAt: at,
        rateLimitedUntil: at + rateLimitMs(context.health, retryAfterMs, streak, r),
        resumeTo: params.from ?? context.resumeTo,
      };
    }),
    /**
     * A 429 from a call sent before the rate limit began: the wait may grow to its
     * Retry-After, never shrink, and the streak stays (one episode, however many calls).
     */
    extendRateLimit: assign(({ context, event }) => {
      const extended = extendedRateLimit(context, event);
      if (extended === undefined) return {};
      return { rng: extended.rng, decidedAt: timeOf(context, event), rateLimitedUntil: extended.until };
    }),

    /** Entering `degraded`: the re-check timer counts from now (a timer's own event has no time: the anchor stays). */
    anchorRecheck: assign(({ context, event }) => ({ decidedAt: timeOf(context, event) })),
    advanceRecheck: assign(({ context }) => ({ decidedAt: context.decidedAt + recheckMs(context) })),
    /**
     * Leaving `rate_limited`: now is the event's time, or the wait's end when its own timer
     * fired (a timer's event carries no time); timers of the next state count from it.
     */
    leaveRateLimit: assign(({ context, event }) => ({
      rateLimitedUntil: undefined,
      decidedAt: 'at' in event ? event.at : (context.rateLimitedUntil ?? context.decidedAt),
    })),
    enterDisabled: assign(({ context }) => ({ generation: context.generation + 1 })),
    disableForConfig: assign(({ context, event }) => ({
      disabledReason: event.type === 'attempt.config_error' ? `${event.kind}: ${event.reason}` : context.disabledReason,
    })),
    disableByOperator: assign({
      disabledReason: ({ event }) => (event.type === 'operator.disable' ? event.reason : undefined) ?? 'operator',
    }),
    freshStart: assign(({ context }) => freshStart(context)),
    updateConfig: assign(({ context, event }) => {
      if (event.type !== 'config.update') return {};
      const resized = event.health.windowMs !== context.health.windowMs;
      if (!resized) return { health: event.health };
      // A new window length: the window starts empty, and so do the stretches timed in windows.
      return { health: event.health, window: emptyWindow(event.health.windowMs), stats: { ...context.stats, healthySince: event.at }, decidedAt: event.at };
    }),
    /**
     * Whole windows of health have passed since `stats.healthySince` (one, or more when a
     * rate-limit detour outlasted them): one trip fewer for each, and the next window starts.
     */
    decayTrip: assign(({ context }) => {
      const { tripCount, healthySince, now } = decayedTrips(context);
      return { tripCount, stats: { ...context.stats, healthySince }, decidedAt: now };
    }),
    /** Healthy again after a re-check: the evidence stays (it ages out on its own), the decay starts now. */
    resumeHealth: assign(({ context }) => ({ stats: { ...context.stats, healthySince: context.decidedAt } })),
  },
  delays: {
    cooldown: ({ context }) => Math.max(0, (context.cooldownUntil ?? context.decidedAt) - context.decidedAt),
    rateLimit: ({ context }) => Math.max(0, (context.rateLimitedUntil ?? context.decidedAt) - context.decidedAt),
    // Counted from `stats.healthySince`, not from entry: a rate-limit detour does not restart
    // it (on entering healthy, `decidedAt` is the time of entry).
    tripDecay: ({ context }) => Math.max(0, context.stats.healthySince + context.health.windowMs - context.decidedAt),
    recheck: ({ context }) => recheckMs(context),
  },
});

/** The config type `providerSetup.createMachine` accepts. */
export type ProviderMachineConfig = Parameters<typeof providerSetup.createMachine>[0];
/** The config of one state of the provider machine. */
export type ProviderStateConfig = NonNullable<ProviderMachineConfig['states']>[string];

const SETTLE = 'settleReport';
const RECORD = 'recordReport';

/** Reusable transition configs, to build extra states that behave like the built-in ones. */
export const providerTransitions = {
  /** A stale report: accounting only. Put it first in every report handler. */
  stale: { guard: 'isStale', actions: SETTLE },
  /** Grant a normal slot. */
  grant: { actions: { type: 'grantSlot', params: { probe: false } } },
  /** Record the outcome; open the breaker when a threshold is crossed. */
  openOnThreshold: [{ guard: 'outcomeOpens', target: 'open', actions: RECORD }, { actions: RECORD }],
  /** Record the outcome; open on a threshold, else go to `target` when `verdict` holds. */
  judged: <const T extends string>(verdict: 'outcomeDegrades' | 'outcomeRecovers', target: T) =>
    [
      { guard: 'outcomeOpens', target: 'open', actions: RECORD },
      { guard: verdict, target, actions: verdict === 'outcomeRecovers' ? ([RECORD, 'recover'] as const) : ([RECORD] as const) },
      { actions: RECORD },
    ] as const,
  /** A `config.update` in a state whose timer counts in windows: a new `windowMs` re-enters `state`, restarting it. */
  updateRestarting: <const T extends string>(state: T) =>
    [{ guard: 'resizesWindow', target: state, reenter: true, actions: 'updateConfig' }, { actions: 'updateConfig' }] as const,
  /** A current 429 moves to `rate_limited`, which later resumes to `from`. */
  rateLimitFrom: <const T extends string>(from: T) =>
    [
      { guard: 'isStale', actions: SETTLE },
      { target: 'rate_limited', actions: [SETTLE, { type: 'startRateLimit', params: { from } }] },
    ] as const,
} as const;

/** How to derive a provider machine with extra states (see docs/extending.md). */
export interface ProviderExtension {
  /** Extra top-level states, keyed by name. */
  states?: Record<string, ProviderStateConfig>;
  /** State of a new actor. @default 'healthy' */
  initial?: string;
  /** Where `operator.reset` and `operator.enable` land. @default 'healthy' */
  resetTo?: string;
  /** Extra states that `rate_limited` may resume to (they enter it with `rateLimitFrom`). @default [] */
  resumable?: readonly string[];
}

const t = providerTransitions;

/** The provider machine's config, optionally extended; feed it to `providerSetup.createMachine`. */
export function buildProviderConfig(extension: ProviderExtension = {}): ProviderMachineConfig {
  const resumable = ['degraded', 'half_open', ...(extension.resumable ?? [])];
  const resetTo = extension.resetTo ?? 'healthy';
  return {
    id: 'provider',
    context: ({ input }) => initialContext(input),
    initial: extension.initial ?? 'healthy',
    on: {
      'slot.acquire': { actions: { type: 'denySlot', params: { reason: 'not_selectable' } } },
      'attempt.succeeded': { actions: SETTLE },
      'attempt.failed': { actions: SETTLE },
      'attempt.rate_limited': { actions: SETTLE },
      'attempt.neutral': { actions: SETTLE },
      // Even stale (a bad key is bad whenever it was seen), unless the operator has reset or
      // enabled the provider since the call was granted (credits topped up, say).
      'attempt.config_error': [{ guard: 'predatesFreshStart', actions: SETTLE }, { target: '.disabled', actions: [SETTLE, 'disableForConfig'] }],
      'operator.disable': { target: '.disabled', actions: 'disableByOperator' },
      'operator.open': { target: '.open' },
      'operator.reset': { target: `.${resetTo}`, actions: 'freshStart' },
      'config.update': { actions: 'updateConfig' },
    },
    states: {
      healthy: {
        tags: [TAGS.selectable],
        // The window is cleared by the transitions that make a provider healthy again
        // (a recovering success, a passed trial, reset, enable), not on entry: a rate-limit
        // detour and the re-check of `degraded` arrive here with the evidence intact.
        initial: 'steady',
        states: {
          steady: { always: { guard: 'hasTrips', target: 'decaying' } },
          decaying: {
            after: { tripDecay: { target: 'steady', actions: 'decayTrip' } },
            on: { 'config.update': t.updateRestarting('decaying') },
          },
        },
        on: {
          'slot.acquire': t.grant,
          'attempt.succeeded': [t.stale, ...t.judged('outcomeDegrades', 'degraded')],
          'attempt.failed': [t.stale, ...t.judged('outcomeDegrades', 'degraded')],
          'check.failed': t.judged('outcomeDegrades', 'degraded'),
          'attempt.rate_limited': t.rateLimitFrom('healthy'),
        },
      },
      degraded: {
        tags: [TAGS.selectable, TAGS.degraded],
        // Without traffic no success can show recovery: once per window the evidence is
        // judged again, and a provider whose bad calls have aged out is healthy again.
        entry: 'anchorRecheck',
        after: {
          recheck: [
            { guard: 'evidenceFaded', target: 'healthy', actions: ['advanceRecheck', 'resumeHealth'] },
            { target: 'degraded', reenter: true, actions: 'advanceRecheck' },
          ],
        },
        on: {
          'slot.acquire': t.grant,
          'attempt.succeeded': [t.stale, ...t.judged('outcomeRecovers', 'healthy')],
          'attempt.failed': [t.stale, ...t.openOnThreshold],
          'check.failed': t.openOnThreshold,
          'attempt.rate_limited': t.rateLimitFrom('degraded'),
          'config.update': t.updateRestarting('degraded'),
        },
      },
      open: {
        entry: 'enterOpen',
        exit: 'clearCooldown',
        after: { cooldown: 'half_open' },
        on: {
          'slot.acquire': { guard: 'isPanic', actions: { type: 'grantSlot', params: { probe: false } } },
          'attempt.succeeded': [t.stale, { target: 'half_open', actions: SETTLE }],
          'operator.open': {},
        },
      },
      half_open: {
        tags: [TAGS.probe],
        entry: 'enterHalfOpen',
        exit: 'endProbes',
        on: {
          'slot.acquire': [
            { guard: 'probeAvailable', actions: { type: 'grantSlot', params: { probe: true } } },
            { actions: { type: 'denySlot', params: { reason: 'probes_busy' } } },
          ],
          'attempt.succeeded': [
            t.stale,
            { guard: 'trialPasses', target: 'healthy', actions: [SETTLE, 'recover'] },
            { actions: [SETTLE, 'countTrialSuccess'] },
          ],
          'attempt.failed': [t.stale, { target: 'open', actions: SETTLE }],
          'check.failed': 'open',
          'attempt.rate_limited': t.rateLimitFrom('half_open'),
        },
      },
      rate_limited: {
        exit: 'leaveRateLimit',
        after: {
          rateLimit: [
            ...resumable.map(
              (state) => ({ guard: { type: 'resumesTo', params: { state } }, target: state }) as const,
            ),
            { target: 'healthy' },
          ],
        },
        on: {
          'slot.acquire': { actions: { type: 'denySlot', params: { reason: 'rate_limited' } } },
          'attempt.rate_limited': [
            t.stale,
            { guard: 'extendsRateLimit', target: 'rate_limited', reenter: true, actions: [SETTLE, 'extendRateLimit'] },
            { actions: SETTLE },
          ],
          'attempt.succeeded': [t.stale, ...t.openOnThreshold],
          'attempt.failed': [t.stale, ...t.openOnThreshold],
        },
      },
      disabled: {
        entry: 'enterDisabled',
        on: {
          'slot.acquire': { actions: { type: 'denySlot', params: { reason: 'disabled' } } },
          'operator.enable': { target: resetTo, actions: 'freshStart' },
          'operator.disable': { actions: 'disableByOperator' },
          'operator.open': {},
          'attempt.config_error': { actions: SETTLE },
        },
      },
      ...extension.states,
    },
  };
}

/** Builds a provider machine with extra states, without copying the built-in ones. */
export function extendProviderMachine(extension: ProviderExtension) {
  return providerSetup.createMachine(buildProviderConfig(extension));
}

/**
 * The provider health machine.
 * @example
 * const actor = createActor(providerMachine, { clock, input: { name: 'gpt4o', health, seed: 1, now: clock.now() } });
 */
export const providerMachine = extendProviderMachine({});

/** A provider actor's snapshot (of the built-in or an extended machine). */
export type ProviderSnapshot = SnapshotFrom<typeof providerMachine>;

/** The contract state name of a snapshot: its top-level state (a custom state's own name). */
export function providerStateName(snapshot: { value: unknown }): string {
  const value = snapshot.value;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return Object.keys(value)[0] ?? '';
  return '';
}
