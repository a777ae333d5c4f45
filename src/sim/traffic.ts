/**
 * Synthetic client traffic: Poisson arrivals (exponential gaps) at `rps`, a seeded share of
 * streamed requests, and requests shaped by the scenario's token sizes.
 */
import { deriveRandom, type Random } from '../core/random.js';
import type { ChatRequest } from '../core/types.js';
import type { TrafficSpec } from './scenario.js';

/** One client request to send. */
export interface Arrival {
  /** Virtual ms since the start. */
  at: number;
  stream: boolean;
  request: ChatRequest;
}

/** Characters per token of the engine's estimate (src/core/tokens.ts), plus its per-message framing. */
const CHARS_PER_TOKEN = 4;
const FRAMING_TOKENS = 4;

/**
 * A seeded source of arrivals. Requests are shared, read-only objects (the engine never
 * mutates a request), so traffic allocates nothing per arrival but the arrival itself.
 */
export class TrafficSource {
  private readonly random: Random;
  private readonly meanGapMs: number;
  private readonly request: ChatRequest;
  private nextAt: number;

  constructor(private readonly spec: TrafficSpec, seed: number) {
    this.random = deriveRandom(seed, 'traffic');
    this.meanGapMs = 1000 / spec.rps;
    this.request = buildRequest(spec);
    this.nextAt = this.gap();
  }

  /** Virtual time of the next arrival. */
  peek(): number {
    return this.nextAt;
  }

  /** Takes the next arrival and draws the one after it. */
  take(): Arrival {
    const at = this.nextAt;
    const stream = this.random() < this.spec.streamRatio;
    this.nextAt = at + this.gap();
    return { at, stream, request: this.request };
  }

  private gap(): number {
    return -Math.log(1 - this.random()) * this.meanGapMs;
  }
}

/**
 * A request whose prompt the engine estimates at `inputTokens` (at least {@link FRAMING_TOKENS}:
 * one message's framing, with empty content) and whose answer has `outputTokens`.
 */
export function buildRequest(spec: Pick<TrafficSpec, 'inputTokens' | 'outputTokens' | 'route'>): ChatRequest {
  const chars = Math.max(0, (spec.inputTokens - FRAMING_TOKENS) * CHARS_PER_TOKEN);
  return {
    model: spec.route,
    messages: [{ role: 'user', content: 'x'.repeat(chars) }],
    maxTokens: spec.outputTokens,
  };
}
