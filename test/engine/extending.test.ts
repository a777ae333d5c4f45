/**
 * The router obeys tags, not state names: states added by extending the provider machine
 * take part in routing without any change to the router (docs/extending.md).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createWarmingMachine } from '../../examples/warming-machine.js';
import { extendProviderMachine } from '../../machines/provider.machine.js';
import { VirtualClock } from '../../src/core/clock.js';
import { createSwitchyard, type Switchyard } from '../../src/engine/switchyard.js';
import { scriptedAdapters } from '../helpers/scripted-adapter.js';
import { settle } from '../helpers/virtual.js';

const hello = { messages: [{ role: 'user' as const, content: 'Hello' }] };
let engine: Switchyard | undefined;
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

const warmingMachine = createWarmingMachine({ successes: 3 });

/** A state with no tags: the router must never send it traffic. */
const maintenanceMachine = extendProviderMachine({ initial: 'maintenance', resetTo: 'healthy', states: { maintenance: {} } });

describe('custom provider states', () => {
  it('sends traffic to a provider in a custom selectable state and sees it graduate', async () => {
    const clock = new VirtualClock(0);
    const scripted = scriptedAdapters({});
    engine = createSwitchyard({ providers: [{ name: 'fresh', type: 'simulated' }], seed: 1 }, { clock, adapters: { simulated: scripted.factory }, providerMachine: warmingMachine });
    expect(engine.providers()[0]).toMatchObject({ state: 'warming', selectable: true });
    const states: string[] = [];
    engine.on('state.changed', (event) => states.push(`${event.from}->${event.to}`));
    for (let i = 0; i < 3; i++) expect((await settle(clock, engine.chat(hello))).provider).toBe('fresh');
    expect(engine.providers()[0]!.state).toBe('healthy');
    expect(states).toEqual(['warming->healthy']);
    engine.operate('fresh', 'reset');
    expect(engine.providers()[0]!.state).toBe('warming');
  });

  it('gives a warming provider (tagged degraded) the back seat behind a healthy one of equal priority', async () => {
    const clock = new VirtualClock(0);
    const scripted = scriptedAdapters({});
    engine = createSwitchyard(
      { providers: [{ name: 'warm', type: 'simulated' }, { name: 'steady', type: 'simulated' }], seed: 1 },
      { clock, adapters: { simulated: scripted.factory }, providerMachine: warmingMachine },
    );
    // Both start warming; `warm` is listed first, so it wins while both are warming.
    expect((await settle(clock, engine.chat(hello))).provider).toBe('warm');
    // Graduate `steady` by addressing it directly.
    for (let i = 0; i < 3; i++) await settle(clock, engine.chat({ ...hello, model: 'steady' }));
    expect(engine.providers().map((p) => p.state)).toEqual(['warming', 'healthy']);
    for (let i = 0; i < 5; i++) expect((await settle(clock, engine.chat(hello))).provider).toBe('steady');
  });

  it('counts a selectable state that never answers slot.acquire as a refusal and fails over', async () => {
    const silentMachine = extendProviderMachine({ initial: 'silent', resetTo: 'healthy', states: { silent: { tags: ['selectable'], on: { 'slot.acquire': {} } } } });
    const clock = new VirtualClock(0);
    const scripted = scriptedAdapters({});
    engine = createSwitchyard(
      { providers: [{ name: 'mute', type: 'simulated', priority: 1 }, { name: 'up', type: 'simulated', priority: 2 }], seed: 1 },
      { clock, adapters: { simulated: scripted.factory }, providerMachine: silentMachine },
    );
    engine.operate('up', 'reset');
    const answer = await settle(clock, engine.chat(hello));
    expect(answer.provider).toBe('up');
    expect(answer.attempts.map((a) => a.provider)).toEqual(['up']);
    expect(scripted.callsTo('mute')).toBe(0);
    expect(engine.providers().find((p) => p.name === 'mute')).toMatchObject({ state: 'silent', inFlight: 0 });
  });

  it('never routes to a provider in a custom state without the selectable tag', async () => {
    const clock = new VirtualClock(0);
    const scripted = scriptedAdapters({});
    engine = createSwitchyard(
      { providers: [{ name: 'down', type: 'simulated', priority: 1 }, { name: 'up', type: 'simulated', priority: 2 }], routing: { panic: false }, seed: 1 },
      { clock, adapters: { simulated: scripted.factory }, providerMachine: maintenanceMachine },
    );
    engine.operate('up', 'reset');
    for (let i = 0; i < 5; i++) expect((await settle(clock, engine.chat(hello))).provider).toBe('up');
    expect(scripted.callsTo('down')).toBe(0);
    expect(engine.providers().find((p) => p.name === 'down')).toMatchObject({ state: 'maintenance', selectable: false });
  });
});
