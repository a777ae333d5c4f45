/**
 * Prompt-cache counts through the gateway, with the official openai SDK in front of a fake of
 * each provider type: `usage.prompt_tokens_details` (non-streaming and the `include_usage`
 * chunk), the request log line, and the price of cache reads and writes in `cost_usd`,
 * `ChatResult.costUsd` and `switchyard_cost_usd_total`.
 */
import type OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PROVIDER_TYPES, startTypedGateway, type TestGateway, type TypedGateway } from './helpers.js';

/** Input 3, output 15; cache reads 0.3, writes 3.75 (USD per million tokens). */
const PRICING = { inputPerMTok: 3, outputPerMTok: 15, cachedInputPerMTok: 0.3, cacheWriteInputPerMTok: 3.75 };
/** 3,000 prompt tokens: 1,000 read from the cache, 1,500 written to it (a wire that reports writes says so), 500 fresh. */
const CACHED = { content: 'Hi.', chunks: ['H', 'i.'], usage: { input: 3000, output: 20, cachedInput: 1000, cacheWriteInput: 1500 } };

/** What the gateway reports for CACHED, by type: the counts each wire carries, and their price. */
const EXPECTED: Record<string, { details: Record<string, number> | undefined; costUsd: number }> = {
  // OpenAI reports reads only: the writes are priced as fresh input.
  openai: { details: { cached_tokens: 1000 }, costUsd: (2000 * 3 + 1000 * 0.3 + 20 * 15) / 1e6 },
  anthropic: { details: { cached_tokens: 1000, cache_write_tokens: 1500 }, costUsd: (500 * 3 + 1000 * 0.3 + 1500 * 3.75 + 20 * 15) / 1e6 },
  gemini: { details: { cached_tokens: 1000 }, costUsd: (2000 * 3 + 1000 * 0.3 + 20 * 15) / 1e6 },
  // Ollama reports no cache counts: the whole prompt at the input price.
  ollama: { details: undefined, costUsd: (3000 * 3 + 20 * 15) / 1e6 },
};

let typed: TypedGateway;
let gw: TestGateway;
let fakes: TypedGateway['fakes'];
let client: OpenAI;

beforeAll(async () => {
  typed = await startTypedGateway(() => ({ pricing: PRICING }));
  ({ gw, fakes } = typed);
  client = gw.client();
});
afterAll(() => typed.close());
beforeEach(() => {
  typed.reset();
  gw.lines.length = 0;
});

const ask = (type: string) => ({ model: type, messages: [{ role: 'user' as const, content: 'Hi' }] });
const lastLog = () => gw.logs().at(-1)!;

describe.each(PROVIDER_TYPES.map(([type]) => type))('in front of a %s upstream', (type) => {
  const { details, costUsd } = EXPECTED[type]!;

  it('answers with prompt_tokens_details as OpenAI writes it, and logs and prices the cache counts', async () => {
    fakes.get(type)!.enqueue({ type: 'ok', reply: CACHED });
    const completion = await client.chat.completions.create(ask(type));
    expect(completion.usage).toStrictEqual({ prompt_tokens: 3000, completion_tokens: 20, total_tokens: 3020, ...(details === undefined ? {} : { prompt_tokens_details: details }) });
    const log = lastLog();
    expect(log).toMatchObject({ selected_provider: type, input_tokens: 3000, output_tokens: 20 });
    expect(log.cost_usd).toBeCloseTo(costUsd, 12);
    expect(log.cached_input_tokens).toBe(details?.cached_tokens);
    expect(log.cache_write_input_tokens).toBe(details?.cache_write_tokens);
  });

  it('streams the same usage in the include_usage chunk', async () => {
    fakes.get(type)!.enqueue({ type: 'ok', reply: CACHED });
    const stream = await client.chat.completions.create({ ...ask(type), stream: true, stream_options: { include_usage: true } });
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    expect(usage).toStrictEqual({ prompt_tokens: 3000, completion_tokens: 20, total_tokens: 3020, ...(details === undefined ? {} : { prompt_tokens_details: details }) });
    expect(lastLog().cost_usd).toBeCloseTo(costUsd, 12);
  });

  it('prices the cache counts in ChatResult.costUsd', async () => {
    fakes.get(type)!.enqueue({ type: 'ok', reply: CACHED });
    const result = await gw.engine.chat(ask(type));
    expect(result.costUsd).toBeCloseTo(costUsd, 12);
    const { inputTokens, cachedInputTokens, cacheWriteInputTokens } = result.usage;
    expect([inputTokens, cachedInputTokens, cacheWriteInputTokens]).toEqual([3000, details?.cached_tokens, details?.cache_write_tokens]);
  });
});

it('reports a cache miss as cached_tokens 0 where the provider says so', async () => {
  fakes.get('anthropic')!.enqueue({ type: 'ok', reply: { content: 'Hi.', usage: { input: 12, output: 3 } } });
  const completion = await client.chat.completions.create(ask('anthropic'));
  expect(completion.usage?.prompt_tokens_details).toStrictEqual({ cached_tokens: 0, cache_write_tokens: 0 });
  expect(lastLog()).toMatchObject({ cached_input_tokens: 0, cache_write_input_tokens: 0, cost_usd: (12 * 3 + 3 * 15) / 1e6 });
});

it('adds the priced cost to switchyard_cost_usd_total, and the whole prompt to the input tokens', async () => {
  const metric = async (name: string) => {
    const text = await (await gw.fetch('/metrics')).text();
    return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  };
  const cost = 'switchyard_cost_usd_total{provider="anthropic"}';
  const input = 'switchyard_tokens_total{provider="anthropic",direction="input"}';
  const [costBefore, inputBefore] = [await metric(cost), await metric(input)];
  fakes.get('anthropic')!.enqueue({ type: 'ok', reply: CACHED });
  await client.chat.completions.create(ask('anthropic'));
  expect((await metric(cost)) - costBefore).toBeCloseTo(EXPECTED.anthropic!.costUsd, 12);
  expect((await metric(input)) - inputBefore).toBe(3000);
});
