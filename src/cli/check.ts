/** `switchyard check FILE`: validate a configuration and list every problem with its path. */
import { ConfigError } from '../core/errors.js';
import { loadConfigFile } from '../config/load.js';
import type { CliIO } from './io.js';

/**
 * Prints a one-line summary on stdout and returns 0 when `file` is valid; prints each
 * problem (`path: message`) on stderr and returns 1 when it is not.
 */
export function runCheck(file: string, io: CliIO): number {
  try {
    const config = loadConfigFile(file, io.env);
    const providers = config.providers.length;
    const routes = Object.keys(config.routes).length;
    io.stdout(`${file}: OK, ${plural(providers, 'provider')}, ${plural(routes, 'route')}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    reportConfigProblems(file, error, io);
    return 1;
  }
}

/** `FILE: invalid configuration (N problems)` and each problem, on stderr. */
export function reportConfigProblems(file: string, error: ConfigError, io: CliIO): void {
  io.stderr(`${file}: invalid configuration (${plural(error.issues.length, 'problem')})\n`);
  for (const issue of error.issues) io.stderr(`${issue}\n`);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
