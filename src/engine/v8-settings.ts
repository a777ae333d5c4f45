/**
 * V8's allocation-site pretenuring, the one V8 setting Switchyard may change for the process
 * it runs in. Request-scoped objects (router actors, snapshots, events) die young, but V8's
 * pretenuring heuristic moves XState's per-actor allocation sites to the old generation,
 * where only full collections reclaim them: the engine then costs a third to a half more CPU
 * per request (docs/decisions.md, `npm run bench:routing`).
 *
 * Turning it off is process-wide, and it has costs for other code: a host that builds many
 * long-lived objects (an in-memory index, a cache warm-up) does so more slowly, since those
 * objects are copied through the young generation before promotion; and V8 code caches made
 * under the other setting are rejected. So the `switchyard` command, which owns its process,
 * turns it off (bin/switchyard.js), while a service embedding the library decides:
 * `createSwitchyard(config, { disableV8Pretenuring: true })`, or `SWITCHYARD_V8_PRETENURING=off`
 * in its environment. `SWITCHYARD_V8_PRETENURING=on` keeps V8's default whatever the code
 * says, and a process started with the flag on its command line, either way, is left as it
 * was started.
 */
import v8 from 'node:v8';
import { isMainThread } from 'node:worker_threads';

export const PRETENURING_OFF = '--no-allocation-site-pretenuring';

/**
 * The flag in any spelling Node and V8 accept on a command line: one or two dashes, `-` or
 * `_` between words, `no` with or without a separator.
 */
const PRETENURING_FLAG = /^--?(no[-_]?)?allocation[-_]site[-_]pretenuring$/;

/** Whether pretenuring should be turned off, given what the code asked, the environment and Node's arguments. */
export function shouldTurnOffPretenuring(asked: boolean, env: Record<string, string | undefined>, execArgv: readonly string[]): boolean {
  if (execArgv.some((arg) => PRETENURING_FLAG.test(arg))) return false;
  const setting = env.SWITCHYARD_V8_PRETENURING?.trim().toLowerCase();
  if (setting === 'on') return false;
  if (setting === 'off') return true;
  return asked;
}

let applied = false;

/**
 * Turns pretenuring off once per process when {@link shouldTurnOffPretenuring} says so, from
 * the main thread only (V8 flags are process-wide, and Node warns against changing them while
 * other threads run JavaScript: a worker thread's engine leaves them alone). Never throws: an
 * optimisation must not stop an engine from starting. Returns whether this call changed it.
 */
export function applyV8Settings(
  asked: boolean,
  env: Record<string, string | undefined> = process.env,
  execArgv: readonly string[] = process.execArgv,
  setFlags: (flags: string) => void = v8.setFlagsFromString,
  mainThread: boolean = isMainThread,
): boolean {
  if (applied || !mainThread || !shouldTurnOffPretenuring(asked, env, execArgv)) return false;
  applied = true;
  try {
    setFlags(PRETENURING_OFF);
    return true;
  } catch {
    return false;
  }
}

/** For tests: forget that the setting was applied. */
export function forgetV8SettingsForTests(): void {
  applied = false;
}
