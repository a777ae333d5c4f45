/** `switchyard simulate SCENARIO`: replays an outage scenario in virtual time (CONTRACT §5). */
import { SwitchyardError } from '../core/errors.js';
import type { SimulateOptions } from './args.js';
import type { CliIO } from './io.js';

/**
 * Runs the scenario and prints its report; resolves with the exit code.
 * Not built yet: fails with a clear error (exit 1).
 */
export async function runSimulate(options: SimulateOptions, io: CliIO): Promise<number> {
  void options;
  void io;
  throw new SwitchyardError('not_available', '`switchyard simulate` is not available yet in this build');
}
