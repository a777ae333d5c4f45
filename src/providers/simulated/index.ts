/**
 * The `simulated` provider: answers without any network, with seeded latency, failures and
 * scripted incidents, all on the engine's clock, so a run is reproducible in virtual time.
 */
import type { AdapterFactory, CallContext, ProviderAdapter } from '../../core/adapter.js';
import type { Clock } from '../../core/clock.js';
import { ProviderError } from '../../core/errors.js';
import { deriveRandom } from '../../core/random.js';
import { estimateInputTokens } from '../../core/tokens.js';
import type { ChatRequest, ChatResponse, StreamPart } from '../../core/types.js';
import { simulatedAnswer } from './answer.js';
import { activeIncidents } from './incidents.js';
import { resolveSimulatedOptions } from './options.js';
import { planCall, type CallPlan } from './plan.js';
import { abortedError, CallWaits } from './wait.js';

/** Streamed tokens are grouped so that parts are at least this far apart. */
export const MIN_PART_INTERVAL_MS = 20;

/** Tuning of simulated adapters that changes no outcome, only how finely a stream is cut. */
export interface SimulatedTuning {
  /** Minimum spacing of streamed parts; the last part still arrives when the whole answer would. @default MIN_PART_INTERVAL_MS */
  minPartIntervalMs?: number;
}

/**
 * Builds a simulated adapter from `settings.options` (a partial `SimulatedOptions`). Its
 * random generator is derived from `environment.seed` and the provider's name.
 *
 * @example
 * const adapter = createSimulatedAdapter(settings, { clock, fetch, seed: 42, startedAt: clock.now() });
 * const answer = await adapter.chat({ messages: [{ role: 'user', content: 'hi' }] }, { clock, signal, requestId: 'r1' });
 */
export const createSimulatedAdapter: AdapterFactory = (settings, environment) => createSimulatedAdapterWith({}, settings, environment);

/**
 * A simulated adapter factory with coarser stream parts (the simulator's: see
 * `SIM_PART_INTERVAL_MS`; same timing and outcomes, far fewer timers).
 */
export function createSimulatedAdapterFactory(tuning: SimulatedTuning): AdapterFactory {
  return (settings, environment) => createSimulatedAdapterWith(tuning, settings, environment);
}

function createSimulatedAdapterWith(tuning: SimulatedTuning, settings: Parameters<AdapterFactory>[0], environment: Parameters<AdapterFactory>[1]): ProviderAdapter {
  const name = settings.name;
  const options = resolveSimulatedOptions(name, settings.options);
  const random = deriveRandom(environment.seed, name);
  const interval = 1000 / options.tokensPerSecond;
  const group = Math.max(1, Math.ceil((tuning.minPartIntervalMs ?? MIN_PART_INTERVAL_MS) / interval));
  let calls = 0;

  const incidentsAt = (clock: Clock) => activeIncidents(options.incidents, name, (clock.now() - environment.startedAt) / 1000);

  function begin(clock: Clock): { n: number; plan: CallPlan } {
    const n = ++calls;
    const draws = { latency: [random(), random()] as [number, number], failure: random(), flaky: random() };
    return { n, plan: planCall(name, options, incidentsAt(clock), draws) };
  }

  async function* streamParts(n: number, plan: CallPlan, request: ChatRequest, context: CallContext): AsyncGenerator<StreamPart> {
    const { clock } = context;
    const waits = new CallWaits(clock, context.signal, name);
    try {
      if (plan.outcome === 'hang') return await waits.untilAborted();
      await waits.pause(plan.latencyMs);
      if (plan.outcome === 'fail') throw plan.error;
      const answer = simulatedAnswer(name, n, request.maxTokens, request.stop);
      const firstAt = clock.now();
      for (let i = 0; i < answer.tokens; i += group) {
        if (i > 0) await waits.pause(firstAt + i * interval - clock.now());
        yield { type: 'text-delta', text: answer.text(i, i + group) };
      }
      await waits.pause(firstAt + answer.tokens * interval - clock.now());
      const usage = { inputTokens: estimateInputTokens(request), outputTokens: answer.tokens };
      yield { type: 'finish', finishReason: answer.finishReason, usage, model: settings.model, id: responseId(name, n) };
    } finally {
      waits.close();
    }
  }

  return {
    async chat(request, context): Promise<ChatResponse> {
      const { n, plan } = begin(context.clock);
      const waits = new CallWaits(context.clock, context.signal, name);
      try {
        if (plan.outcome === 'hang') return await waits.untilAborted();
        await waits.pause(plan.latencyMs);
      } finally {
        waits.close();
      }
      if (plan.outcome === 'fail') throw plan.error;
      const answer = simulatedAnswer(name, n, request.maxTokens, request.stop);
      return {
        id: responseId(name, n),
        model: settings.model,
        content: answer.text(),
        finishReason: answer.finishReason,
        usage: { inputTokens: estimateInputTokens(request), outputTokens: answer.tokens },
      };
    },

    stream(request, context) {
      const { n, plan } = begin(context.clock);
      return streamParts(n, plan, request, context);
    },

    async check(context) {
      if (context.signal.aborted) throw abortedError(name, context.signal.reason);
      if (incidentsAt(context.clock).some((incident) => incident.mode === 'error' || incident.mode === 'timeout')) {
        throw new ProviderError({ provider: name, kind: 'server', status: 503, message: 'simulated outage: health check failed' });
      }
    },
  };
}

function responseId(provider: string, n: number): string {
  return `sim-${provider}-${n}`;
}
