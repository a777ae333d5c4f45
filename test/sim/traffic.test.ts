/** Synthetic traffic: requests the engine estimates at the scenario's sizes. */
import { describe, expect, it } from 'vitest';
import { estimateInputTokens } from '../../src/core/tokens.js';
import { buildRequest } from '../../src/sim/traffic.js';

describe('traffic', () => {
  it.each([
    [0, 4],
    [3, 4],
    [4, 4],
    [5, 5],
    [500, 500],
    [10_000_000, 10_000_000],
  ])('inputTokens %s gives a prompt estimated at %s tokens (at least one message’s framing)', (inputTokens, estimate) => {
    const request = buildRequest({ inputTokens, outputTokens: 10, route: 'default' });
    expect(estimateInputTokens(request)).toBe(estimate);
    expect(request.maxTokens).toBe(10);
  });
});
