import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { applyV8Settings, PRETENURING_OFF, resetV8SettingsForTests, shouldTurnOffPretenuring } from '../../src/engine/v8-settings.js';

describe('the engine turns off V8 allocation-site pretenuring for its process', () => {
  afterEach(() => resetV8SettingsForTests());

  it('by default', () => {
    expect(shouldTurnOffPretenuring({}, [])).toBe(true);
    expect(shouldTurnOffPretenuring({ SWITCHYARD_V8_PRETENURING: 'off' }, ['--enable-source-maps'])).toBe(true);
  });

  it('not when SWITCHYARD_V8_PRETENURING=on', () => {
    expect(shouldTurnOffPretenuring({ SWITCHYARD_V8_PRETENURING: 'on' }, [])).toBe(false);
  });

  it('not when the process was started with the flag, either way and in either spelling', () => {
    for (const arg of ['--allocation-site-pretenuring', '--no-allocation-site-pretenuring', '--allocation_site_pretenuring', '--no_allocation_site_pretenuring']) {
      expect(shouldTurnOffPretenuring({}, ['--import', 'tsx', arg])).toBe(false);
    }
  });

  it('once per process, however many engines are created', () => {
    const calls: string[] = [];
    const setFlags = (flags: string) => void calls.push(flags);
    expect(applyV8Settings({}, [], setFlags)).toBe(true);
    expect(applyV8Settings({}, [], setFlags)).toBe(false);
    expect(calls).toEqual([PRETENURING_OFF]);
  });

  it('leaves the flag alone when told to, and remembers that it decided', () => {
    const calls: string[] = [];
    expect(applyV8Settings({ SWITCHYARD_V8_PRETENURING: 'on' }, [], (flags) => void calls.push(flags))).toBe(false);
    expect(applyV8Settings({}, [], (flags) => void calls.push(flags))).toBe(false);
    expect(calls).toEqual([]);
  });

  // End to end, in a child process: V8 traces its pretenuring decisions at every scavenge
  // while pretenuring is on, and none once an engine has turned it off.
  it('really changes V8: no pretenuring feedback is processed after createSwitchyard()', () => {
    const script = fileURLToPath(new URL('../helpers/engine-requests.ts', import.meta.url));
    const run = (env: Record<string, string>) => {
      const child = spawnSync(process.execPath, ['--trace-pretenuring-statistics', '--import', 'tsx', script], {
        encoding: 'utf8',
        env: { ...process.env, ...env },
        timeout: 60_000,
      });
      expect(child.status, child.stderr).toBe(0);
      expect(child.stdout).toContain('answered 3000');
      // Lines before it come from loading modules, while V8's default was still in force.
      const afterCreation = child.stdout.slice(child.stdout.indexOf('engine created'));
      return afterCreation.split('\n').filter((line) => line.includes('pretenuring:')).length;
    };
    expect(run({ SWITCHYARD_V8_PRETENURING: 'on' })).toBeGreaterThan(0);
    expect(run({ SWITCHYARD_V8_PRETENURING: 'off' })).toBe(0);
  }, 120_000);
});
