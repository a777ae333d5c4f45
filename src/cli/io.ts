/** Where the CLI writes and what it reads from its process, injectable for tests. */
import type { Env } from '../config/env.js';

/** The process surface a command uses. */
export interface CliIO {
  /** Writes to standard output (text includes its newline). */
  stdout(text: string): void;
  /** Writes to standard error (text includes its newline). */
  stderr(text: string): void;
  /** Environment for `${VAR}` interpolation. @default process.env */
  env: Env;
  /** Whether standard error is a terminal: the progress bar is drawn there, and only then. */
  isTTY: boolean;
}

/** The real process's IO. */
export function processIO(): CliIO {
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    env: process.env,
    isTTY: process.stderr.isTTY === true,
  };
}
