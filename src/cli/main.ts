/**
 * The `switchyard` command (CONTRACT §1). `bin/switchyard.js` calls {@link main} and uses
 * its result as the exit code: 0 success, 1 invalid input or configuration, 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, SwitchyardError } from '../core/errors.js';
import { parseArgv, UsageError, type Command } from './args.js';
import { processIO, type CliIO } from './io.js';
import { usage } from './usage.js';

/**
 * Runs one command line and resolves with its exit code; never throws. Errors are printed
 * on stderr without a stack trace unless `--debug` is given.
 * @example process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: string[], io: CliIO = processIO()): Promise<number> {
  let command: Command;
  try {
    command = parseArgv(argv);
  } catch (error) {
    if (!UsageError.is(error)) return reportFailure(error, io, argv.includes('--debug'));
    io.stderr(argv.length === 0 ? usage() : `switchyard: ${error.message}\nRun "switchyard --help" for usage.\n`);
    return 2;
  }
  try {
    switch (command.kind) {
      case 'help':
        io.stdout(usage(command.topic));
        return 0;
      case 'version':
        io.stdout(`${version()}\n`);
        return 0;
      // Each command loads only what it uses (the gateway's libraries are not a simulation's).
      case 'check':
        return (await import('./check.js')).runCheck(command.file, io);
      case 'serve':
        return await (await import('./serve.js')).runServe(command.options, io);
      case 'simulate':
        return await (await import('./simulate.js')).runSimulate(command.options, io);
    }
  } catch (error) {
    return reportFailure(error, io, argv.includes('--debug'));
  }
}

/** Prints an error for a human and returns exit code 1. */
function reportFailure(error: unknown, io: CliIO, debug: boolean): number {
  if (error instanceof ConfigError) {
    io.stderr(`switchyard: invalid configuration\n${error.issues.map((issue) => `${issue}\n`).join('')}`);
  } else if (SwitchyardError.is(error)) {
    io.stderr(`switchyard: ${error.message}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`switchyard: unexpected error: ${message}\n${debug ? '' : '(run again with --debug for details)\n'}`);
  }
  if (debug && error instanceof Error && error.stack !== undefined) io.stderr(`${error.stack}\n`);
  return 1;
}

/** The `version` of the nearest enclosing package.json (works from `src/` and `dist/src/`). */
function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'switchyard' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here: look further up
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}
