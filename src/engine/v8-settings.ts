/**
 * The one V8 setting the engine changes for the process it runs in: allocation-site
 * pretenuring off. Request-scoped objects (router actors, snapshots, events) die young, but
 * V8's pretenuring heuristic moves XState's per-actor allocation sites to the old
 * generation, where only full collections reclaim them: the engine then costs a third to a
 * half more CPU per request (docs/decisions.md, `npm run bench:routing`). The flag changes
 * where V8 allocates, never what any code computes.
 *
 * The `switchyard` command sets it before loading anything (bin/switchyard.js); an
 * embedding service gets it from its first `createSwitchyard()`, unless it chose for
 * itself: `SWITCHYARD_V8_PRETENURING=on` keeps V8's default, and a process started with the
 * flag on its command line (either way) is left as it was started.
 */
import v8 from 'node:v8';

export const PRETENURING_OFF = '--no-allocation-site-pretenuring';

/** Whether the engine should turn pretenuring off in a process with this environment and these Node arguments. */
export function shouldTurnOffPretenuring(env: Record<string, string | undefined>, execArgv: readonly string[]): boolean {
  if (env.SWITCHYARD_V8_PRETENURING === 'on') return false;
  // `--allocation-site-pretenuring`, `--no-allocation-site-pretenuring`, with `_` or `-`.
  return !execArgv.some((arg) => /^--(no[-_])?allocation[-_]site[-_]pretenuring$/.test(arg));
}

let applied = false;

/**
 * Applies the setting once per process (later engines find it done). Returns whether this
 * call changed it. `setFlags` is injectable for tests.
 */
export function applyV8Settings(
  env: Record<string, string | undefined> = process.env,
  execArgv: readonly string[] = process.execArgv,
  setFlags: (flags: string) => void = v8.setFlagsFromString,
): boolean {
  if (applied) return false;
  applied = true;
  if (!shouldTurnOffPretenuring(env, execArgv)) return false;
  setFlags(PRETENURING_OFF);
  return true;
}

/** Test hook: forget that the setting was applied. */
export function resetV8SettingsForTests(): void {
  applied = false;
}
