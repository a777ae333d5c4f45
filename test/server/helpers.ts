/**
 * Test harness: a real gateway on 127.0.0.1 (port 0) in front of the engine, with its log
 * lines captured, and fake upstreams speaking each provider's wire format.
 */
import OpenAI from 'openai';
import { anthropicWire } from '../fakes/anthropic.js';
import { geminiWire } from '../fakes/gemini.js';
import { ollamaWire } from '../fakes/ollama.js';
import { openaiWire } from '../fakes/openai.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/server.js';
import type { FakeWire } from '../fakes/types.js';
import type { Clock } from '../../src/core/clock.js';
import { createSwitchyard, type Switchyard } from '../../src/engine/switchyard.js';
import { createGateway, type Gateway } from '../../src/server/gateway.js';

/** A key-shaped canary: it must never show up in any output. */
export const CANARY = 'sk-canary-7f3e9a1b2c4d5e6f';

export interface TestGateway {
  url: string;
  engine: Switchyard;
  gateway: Gateway;
  /** Raw log lines written so far. */
  lines: string[];
  /** Log lines parsed. */
  logs(): Record<string, unknown>[];
  /** An official openai SDK client pointed at the gateway. */
  client(apiKey?: string): OpenAI;
  /** A raw HTTP call. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** POSTs JSON. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/**
 * Starts a gateway for `config` (raw, as in a configuration file). With a `clock` (a
 * `VirtualClock`), timeouts, backoffs and deadlines pass only when the test advances it.
 */
export async function startGateway(config: Record<string, unknown>, options: { clock?: Clock } = {}): Promise<TestGateway> {
  const lines: string[] = [];
  const engine = createSwitchyard(config, { seed: 7, ...options });
  const gateway = createGateway(engine, { logDestination: { write: (line: string) => void lines.push(line) } });
  const { url } = await gateway.listen(0, '127.0.0.1');
  const doFetch = (path: string, init?: RequestInit) => fetch(`${url}${path}`, init);
  return {
    url,
    engine,
    gateway,
    lines,
    logs: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    client: (apiKey = 'unused') => new OpenAI({ apiKey, baseURL: `${url}/v1`, maxRetries: 0 }),
    fetch: doFetch,
    post: (path, body, headers = {}) =>
      doFetch(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) }),
    close: async () => void (await gateway.close(0)),
  };
}

/** The four provider types that speak HTTP, with the wire of each one's fake. */
export type ProviderType = 'openai' | 'anthropic' | 'gemini' | 'ollama';
export const PROVIDER_TYPES: [ProviderType, FakeWire][] = [
  ['openai', openaiWire],
  ['anthropic', anthropicWire],
  ['gemini', geminiWire],
  ['ollama', ollamaWire],
];

/** A gateway in front of one fake upstream of each provider type. */
export interface TypedGateway {
  gw: TestGateway;
  /** The fake behind each provider, by type. */
  fakes: Map<string, FakeUpstream>;
  /** Resets every fake and every provider actor (between tests). */
  reset(): void;
  close(): Promise<void>;
}

/**
 * Starts a fake upstream of each provider type and a gateway with one provider per type,
 * named after it (model `<type>-model`, priority in the order of {@link PROVIDER_TYPES}, the
 * {@link CANARY} key), plus `extra(type)`'s keys, with {@link CALM} settings and `config`.
 */
export async function startTypedGateway(extra: (type: ProviderType) => Record<string, unknown> = () => ({}), config: Record<string, unknown> = {}): Promise<TypedGateway> {
  const fakes = new Map<string, FakeUpstream>();
  for (const [type, wire] of PROVIDER_TYPES) fakes.set(type, await startFakeUpstream(wire));
  const gw = await startGateway({
    providers: PROVIDER_TYPES.map(([type], i) => ({ name: type, type, baseUrl: fakes.get(type)!.baseUrl, apiKey: CANARY, model: `${type}-model`, priority: i + 1, ...extra(type) })),
    ...CALM,
    ...config,
  });
  return {
    gw,
    fakes,
    reset: () => {
      for (const fake of fakes.values()) fake.reset();
      for (const provider of gw.engine.providers()) gw.engine.operate(provider.name, 'reset');
    },
    close: async () => {
      await gw.close();
      await Promise.all([...fakes.values()].map((fake) => fake.close()));
    },
  };
}

/** Starts `n` OpenAI fakes. */
export function startOpenAIFakes(n: number): Promise<FakeUpstream[]> {
  return Promise.all(Array.from({ length: n }, () => startFakeUpstream(openaiWire)));
}

/** Provider entries for OpenAI fakes named a, b, c… in priority order. */
export function openaiProviders(fakes: FakeUpstream[], extra: Record<string, unknown> = {}): Record<string, unknown>[] {
  return fakes.map((fake, i) => ({
    name: String.fromCharCode(97 + i),
    type: 'openai',
    baseUrl: fake.baseUrl,
    apiKey: CANARY,
    model: `model-${String.fromCharCode(97 + i)}`,
    priority: i + 1,
    timeoutMs: 2000,
    ...extra,
  }));
}

/** Settings that keep breakers closed and backoffs short, so tests stay independent and fast. */
export const CALM = {
  health: { consecutiveFailures: 1000, minCalls: 1000 },
  routing: { maxAttempts: 3, backoff: { baseMs: 1, maxMs: 2 } },
};

/** Resets every provider actor of the engine and every fake. */
export function resetAll(gateway: TestGateway, fakes: FakeUpstream[]): void {
  for (const fake of fakes) fake.reset();
  for (const provider of gateway.engine.providers()) gateway.engine.operate(provider.name, 'reset');
}

/** Reads an SSE body into its `data:` payloads. */
export async function sseEvents(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((frame) => frame.startsWith('data: '))
    .map((frame) => frame.slice('data: '.length));
}
