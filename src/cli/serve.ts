/** `switchyard serve`: starts the gateway (CONTRACT §1). */
import { SwitchyardError } from '../core/errors.js';
import type { ServeOptions } from './args.js';
import type { CliIO } from './io.js';

/**
 * Starts the gateway and resolves with the exit code once it has shut down.
 * Not built yet: fails with a clear error (exit 1).
 */
export async function runServe(options: ServeOptions, io: CliIO): Promise<number> {
  void options;
  void io;
  throw new SwitchyardError('not_available', '`switchyard serve` is not available yet in this build');
}
