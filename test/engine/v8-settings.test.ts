import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createSwitchyard } from '../../src/engine/switchyard.js';
import { applyV8Settings, forgetV8SettingsForTests, PRETENURING_OFF, shouldTurnOffPretenuring } from '../../src/engine/v8-settings.js';

describe('V8 allocation-site pretenuring', () => {
  afterEach(() => forgetV8SettingsForTests());

  it('is left alone unless the code or the environment asks to turn it off', () => {
    expect(shouldTurnOffPretenuring(false, {}, [])).toBe(false);
    expect(shouldTurnOffPretenuring(true, {}, ['--enable-source-maps'])).toBe(true);
    expect(shouldTurnOffPretenuring(false, { SWITCHYARD_V8_PRETENURING: 'off' }, [])).toBe(true);
    expect(shouldTurnOffPretenuring(false, { SWITCHYARD_V8_PRETENURING: ' OFF ' }, [])).toBe(true);
  });

  it('is kept when SWITCHYARD_V8_PRETENURING=on, whatever the code asks', () => {
    expect(shouldTurnOffPretenuring(true, { SWITCHYARD_V8_PRETENURING: 'on' }, [])).toBe(false);
    expect(shouldTurnOffPretenuring(true, { SWITCHYARD_V8_PRETENURING: 'On' }, [])).toBe(false);
  });

  it('is left as the process was started when its command line names the flag, in any spelling Node accepts', () => {
    const spellings = [
      '--allocation-site-pretenuring',
      '--no-allocation-site-pretenuring',
      '--allocation_site_pretenuring',
      '--no_allocation_site_pretenuring',
      '-allocation-site-pretenuring',
      '-no-allocation-site-pretenuring',
      '--noallocation-site-pretenuring',
    ];
    for (const arg of spellings) {
      expect(shouldTurnOffPretenuring(true, { SWITCHYARD_V8_PRETENURING: 'off' }, ['--import', 'tsx', arg]), arg).toBe(false);
    }
    expect(shouldTurnOffPretenuring(true, {}, ['--allocation-site-pretenuring-x'])).toBe(true);
  });

  it('is changed once per process, from the main thread only, and a failure to change it never throws', () => {
    const calls: string[] = [];
    const setFlags = (flags: string) => void calls.push(flags);
    expect(applyV8Settings(true, {}, [], setFlags, false)).toBe(false); // a worker thread
    expect(applyV8Settings(false, {}, [], setFlags, true)).toBe(false); // not asked
    expect(applyV8Settings(true, {}, [], setFlags, true)).toBe(true);
    expect(applyV8Settings(true, {}, [], setFlags, true)).toBe(false); // done already
    expect(calls).toEqual([PRETENURING_OFF]);
    forgetV8SettingsForTests();
    const throwing = () => {
      throw new Error('no flags here');
    };
    expect(applyV8Settings(true, {}, [], throwing, true)).toBe(false);
  });

  it('is not changed by an engine that fails to start', () => {
    // Asked for, but the adapter factory throws: the engine never runs, the process is untouched.
    const factory = () => {
      throw new Error('factory failed');
    };
    expect(() => createSwitchyard({ providers: [{ name: 'a', type: 'simulated' }] }, { disableV8Pretenuring: true, adapters: { simulated: factory } })).toThrow('factory failed');
    const calls: string[] = [];
    expect(applyV8Settings(true, {}, [], (flags) => void calls.push(flags), true)).toBe(true);
  });

  // End to end, in a child process: V8 traces pretenuring feedback while pretenuring is on
  // (whenever a scavenge finds objects with allocation mementos), and none once it is off.
  it('really changes V8 for the process when an engine is created with disableV8Pretenuring', () => {
    const script = fileURLToPath(new URL('../helpers/engine-requests.ts', import.meta.url));
    const run = (env: Record<string, string>) => {
      const child = spawnSync(process.execPath, ['--trace-pretenuring-statistics', '--import', 'tsx', script], {
        encoding: 'utf8',
        env: { ...process.env, SWITCHYARD_V8_PRETENURING: '', ...env },
        timeout: 60_000,
      });
      expect(child.status, child.stderr).toBe(0);
      expect(child.stdout).toContain('answered 3000');
      // Lines before it come from loading modules, while V8's default was still in force.
      const afterCreation = child.stdout.slice(child.stdout.indexOf('engine created'));
      return afterCreation.split('\n').filter((line) => line.includes('pretenuring:')).length;
    };
    expect(run({ ASK: '1' })).toBe(0);
    expect(run({ ASK: '0' })).toBeGreaterThan(0); // a library user who did not ask keeps V8's default
    expect(run({ ASK: '1', SWITCHYARD_V8_PRETENURING: 'on' })).toBeGreaterThan(0);
  }, 120_000);
});
