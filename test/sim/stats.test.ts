import { describe, expect, it } from 'vitest';
import { MAX_TRANSITIONS, RunStats } from '../../src/sim/stats.js';

describe('RunStats', () => {
  it('keeps the first transitions and counts the rest', () => {
    const stats = new RunStats(['a'], ['healthy'], 0, 1_000_000);
    let state = 'healthy';
    for (let i = 1; i <= MAX_TRANSITIONS + 250; i++) {
      const to = state === 'healthy' ? 'open' : 'healthy';
      stats.onState({ provider: 'a', from: state, to, at: i * 100, reason: undefined });
      state = to;
    }
    stats.finish();
    const totals = stats.providers.get('a')!;
    expect(totals.transitions).toHaveLength(MAX_TRANSITIONS);
    expect(totals.transitionsTruncated).toBe(250);
    const sum = [...totals.timeInStateMs.values()].reduce((x, y) => x + y, 0);
    expect(sum).toBe(1_000_000);
  });

  it('ignores state changes after the end and attributes time to timeline columns', () => {
    const stats = new RunStats(['a'], ['healthy'], 0, 10_000);
    stats.onState({ provider: 'a', from: 'healthy', to: 'open', at: 2_500, reason: undefined });
    stats.onState({ provider: 'a', from: 'open', to: 'healthy', at: 12_000, reason: undefined });
    stats.finish();
    const totals = stats.providers.get('a')!;
    expect(totals.timeInStateMs.get('healthy')).toBe(2_500);
    expect(totals.timeInStateMs.get('open')).toBe(7_500);
    const { stateMs, buckets } = stats.timeline;
    expect(buckets).toBe(10);
    // Column 2 (2–3 s): 500 ms healthy, 500 ms open.
    expect(stateMs[2 * 6 + 0]).toBe(500);
    expect(stateMs[2 * 6 + 2]).toBe(500);
  });
});
