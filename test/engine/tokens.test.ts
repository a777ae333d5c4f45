/**
 * Prompt-size estimation for the context-window filter: the cheap heuristic for ordinary
 * prompts, each provider's own estimator (a real tokenizer for OpenAI models) near a limit.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { AdapterFactory } from '../../src/core/adapter.js';
import { VirtualClock } from '../../src/core/clock.js';
import { RequestError } from '../../src/core/errors.js';
import { createSwitchyard, type Switchyard } from '../../src/engine/switchyard.js';
import { estimateTokens as openaiTokens } from '../../src/providers/openai/tokens.js';
import { settle } from '../helpers/virtual.js';

let engine: Switchyard | undefined;
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

/** Adapters whose estimator says the prompt is `factor` times the heuristic's idea of it. */
function adapters(factors: Record<string, number>, calls: string[]): AdapterFactory {
  return (settings) => ({
    estimateInputTokens: (request) => {
      calls.push(settings.name);
      const text = request.messages.map((m) => String(m.content)).join('');
      return Math.ceil((text.length / 4) * (factors[settings.name] ?? 1));
    },
    chat: async () => ({ id: '1', model: settings.model, content: 'ok', finishReason: { unified: 'stop', raw: 'stop' }, usage: { inputTokens: 1, outputTokens: 1 } }),
    stream: () => {
      throw new Error('unused');
    },
  });
}

const config = {
  providers: [
    { name: 'small', type: 'simulated', contextWindow: 1000, priority: 1 },
    { name: 'large', type: 'simulated', contextWindow: 100_000, priority: 2 },
  ],
  seed: 1,
};

describe('prompt estimation', () => {
  it('never runs a provider estimator for a prompt far from every context window', async () => {
    const clock = new VirtualClock(0);
    const calls: string[] = [];
    engine = createSwitchyard(config, { clock, adapters: { simulated: adapters({}, calls) } });
    const result = await settle(clock, engine.chat({ messages: [{ role: 'user', content: 'short prompt' }] }));
    expect(result.provider).toBe('small');
    expect(calls).toEqual([]);
  });

  it('lets a provider’s own estimate decide when the heuristic comes near its window', async () => {
    const clock = new VirtualClock(0);
    const calls: string[] = [];
    // About 800 heuristic tokens: fits `small` by the heuristic, not by its own tokenizer (×2).
    engine = createSwitchyard(config, { clock, adapters: { simulated: adapters({ small: 2 }, calls) } });
    const result = await settle(clock, engine.chat({ messages: [{ role: 'user', content: 'x'.repeat(3200) }] }));
    expect(result.provider).toBe('large');
    expect(calls.sort()).toEqual(['large', 'small']);
  });

  it('counts images: a short question about a few images does not go to a window they cannot fit', async () => {
    const clock = new VirtualClock(0);
    engine = createSwitchyard(config, { clock });
    const image = { type: 'image_url' as const, url: 'https://example.com/chart.png' };
    const result = await settle(clock, engine.chat({ messages: [{ role: 'user', content: [{ type: 'text', text: 'Compare these' }, image, image] }] }));
    expect(result.provider).toBe('large');
  });

  it('fails with context_length_exceeded, naming the field, when no provider can fit the prompt', async () => {
    const clock = new VirtualClock(0);
    engine = createSwitchyard(config, { clock, adapters: { simulated: adapters({ small: 2, large: 2 }, []) } });
    const error = await settle(clock, engine.chat({ messages: [{ role: 'user', content: 'x'.repeat(400_000) }] })).catch((e: unknown) => e);
    expect(RequestError.is(error) && error.code).toBe('context_length_exceeded');
    expect((error as RequestError).param).toBe('messages');
  });

  it('uses a real tokenizer for OpenAI-family models', () => {
    const request = { messages: [{ role: 'user' as const, content: 'The quick brown fox jumps over the lazy dog.' }] };
    const tokens = openaiTokens(request);
    // 10 tokens of text in o200k plus the per-message framing.
    expect(tokens).toBeGreaterThanOrEqual(10);
    expect(tokens).toBeLessThanOrEqual(20);
  });
});
