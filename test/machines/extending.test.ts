/**
 * A derived provider machine with a `warming` state (selectable, degraded), built from the
 * exported pieces without copying the machine: it grants slots while warming and becomes
 * healthy after enough successes or after a delay.
 */
import { describe, expect, it } from 'vitest';
import { createWarmingMachine } from '../../examples/warming-machine.js';
import { TAGS } from '../../machines/provider.types.js';
import { startProvider } from './provider.harness.js';

const WARM_UP_SUCCESSES = 5;
const WARM_UP_MS = 30_000;

const warmingMachine = createWarmingMachine({ successes: WARM_UP_SUCCESSES, warmUpMs: WARM_UP_MS });

const start = () => startProvider({ machine: warmingMachine });

describe('extending the provider machine with a warming state', () => {
  it('starts warming, selectable with a reduced share, and grants slots', () => {
    const p = start();
    expect(p.state()).toBe('warming');
    expect(p.actor.getSnapshot().hasTag(TAGS.selectable)).toBe(true);
    expect(p.actor.getSnapshot().hasTag(TAGS.degraded)).toBe(true);
    expect(p.acquire()).toMatchObject({ type: 'slot.granted', token: { probe: false } });
    expect(p.ctx().inFlight).toBe(1);
  });

  it('becomes healthy after N successes', () => {
    const p = start();
    for (let i = 0; i < WARM_UP_SUCCESSES - 1; i++) p.call('ok');
    expect(p.state()).toBe('warming');
    p.call('ok');
    expect(p.state()).toBe('healthy');
    expect(p.ctx().inFlight).toBe(0);
  });

  it('becomes healthy after the warm-up delay even without traffic', () => {
    const p = start();
    p.advance(WARM_UP_MS - 1);
    expect(p.state()).toBe('warming');
    p.advance(1);
    expect(p.state()).toBe('healthy');
  });

  it('operator.reset warms up again', () => {
    const p = start();
    p.advance(WARM_UP_MS);
    p.send({ type: 'operator.reset' });
    expect(p.state()).toBe('warming');
  });

  it('an outage while warming still opens the breaker', () => {
    const p = start();
    for (let i = 0; i < 5; i++) p.call('fail');
    expect(p.state()).toBe('open');
  });

  it('a rate limit while warming resumes warming', () => {
    const p = start();
    p.call('rate_limit', 1000);
    expect(p.state()).toBe('rate_limited');
    p.advance(1100);
    expect(p.state()).toBe('warming');
  });

  it('keeps the built-in behaviour: operator commands and config errors', () => {
    const p = start();
    p.send({ type: 'operator.disable' });
    expect(p.state()).toBe('disabled');
    p.send({ type: 'operator.enable' });
    expect(p.state()).toBe('warming');
    expect(p.errors).toEqual([]);
  });

  it('swaps a named delay with .provide()', () => {
    const p = startProvider({ machine: warmingMachine.provide({ delays: { cooldown: 1_000 } }) });
    p.send({ type: 'operator.open' });
    p.advance(1_000);
    expect(p.state()).toBe('half_open');
  });
});
