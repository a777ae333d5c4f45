/**
 * An extended provider machine with a `warming` state: a provider that was just created or
 * reset gets a reduced share of traffic (tags selectable + degraded) until it has answered
 * `successes` calls, or for `warmUpMs`, whichever comes first. See docs/extending.md.
 *
 * @example
 * createSwitchyard(config, { providerMachine: createWarmingMachine({ successes: 5 }) });
 */
import { extendProviderMachine, providerTransitions as t } from '../machines/provider.machine.js';
import { TAGS } from '../machines/provider.types.js';

export interface WarmingOptions {
  /** Successes that end the warm-up. @default 5 */
  successes?: number;
  /** Longest warm-up. @default 30000 */
  warmUpMs?: number;
}

export function createWarmingMachine({ successes = 5, warmUpMs = 30_000 }: WarmingOptions = {}) {
  return extendProviderMachine({
    initial: 'warming',
    resetTo: 'warming',
    resumable: ['warming'],
    states: {
      warming: {
        tags: [TAGS.selectable, TAGS.degraded],
        entry: 'resetTrial',
        after: { [warmUpMs]: 'healthy' },
        on: {
          'slot.acquire': t.grant,
          'attempt.succeeded': [
            t.stale,
            { guard: { type: 'trialPasses', params: { successes } }, target: 'healthy', actions: 'recordReport' },
            { actions: ['recordReport', 'countTrialSuccess'] },
          ],
          'attempt.failed': [t.stale, ...t.openOnThreshold],
          'attempt.rate_limited': t.rateLimitFrom('warming'),
        },
      },
    },
  });
}
