import { main } from '../../src/cli/main.js';
import type { CliIO } from '../../src/cli/io.js';

/** What one run of the CLI printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `main(argv)` with captured output and the given environment. */
export async function run(argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    env,
    isTTY: false,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}
