/**
 * Provider options and credentials from the configuration reach the wire: `options` per type
 * (docs/providers.md), and an API key sent trimmed whatever whitespace it was read with.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSwitchyard } from '../../src/engine/switchyard.js';
import { anthropicWire } from '../fakes/anthropic.js';
import { openaiWire } from '../fakes/openai.js';
import { startFakeUpstream, type FakeUpstream } from '../fakes/server.js';

let openai: FakeUpstream;
let anthropic: FakeUpstream;
beforeAll(async () => {
  openai = await startFakeUpstream(openaiWire);
  anthropic = await startFakeUpstream(anthropicWire);
});
afterAll(async () => {
  await openai.close();
  await anthropic.close();
});

const hello = { messages: [{ role: 'user' as const, content: 'Hello' }] };

it('sends options.maxTokensField, options.defaultMaxTokens and options.anthropicVersion, and the key trimmed', async () => {
  const engine = createSwitchyard({
    providers: [
      { name: 'o', type: 'openai', baseUrl: openai.baseUrl, apiKey: '  sk-options-test-0123456789\n', model: 'my-deployment', options: { maxTokensField: 'max_completion_tokens' } },
      { name: 'c', type: 'anthropic', baseUrl: anthropic.baseUrl, apiKey: 'ant-key', model: 'claude-x', options: { defaultMaxTokens: 777, anthropicVersion: '2099-01-01' } },
    ],
  });
  try {
    await engine.chat({ ...hello, model: 'o', maxTokens: 50 });
    await engine.chat({ ...hello, model: 'c' });
  } finally {
    await engine.stop();
  }
  const [sentOpenAI] = openai.requests;
  expect(sentOpenAI!.json).toMatchObject({ max_completion_tokens: 50 });
  expect(sentOpenAI!.json).not.toHaveProperty('max_tokens');
  expect(sentOpenAI!.headers.authorization).toBe('Bearer sk-options-test-0123456789');
  const [sentAnthropic] = anthropic.requests;
  expect(sentAnthropic!.json).toMatchObject({ max_tokens: 777 });
  expect(sentAnthropic!.headers['anthropic-version']).toBe('2099-01-01');
});

it('rebuilds an adapter whose options change on updateConfig', async () => {
  const provider = { name: 'o', type: 'openai', baseUrl: openai.baseUrl, apiKey: 'k', model: 'm' };
  const engine = createSwitchyard({ providers: [provider] });
  try {
    openai.reset();
    await engine.chat({ ...hello, maxTokens: 5 });
    engine.updateConfig({ providers: [{ ...provider, options: { maxTokensField: 'max_completion_tokens' } }] });
    await engine.chat({ ...hello, maxTokens: 5 });
  } finally {
    await engine.stop();
  }
  expect(openai.requests.map((r) => Object.keys(r.json as object).filter((k) => k.startsWith('max_')))).toEqual([['max_tokens'], ['max_completion_tokens']]);
});
