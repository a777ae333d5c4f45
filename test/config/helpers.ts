import { ConfigError } from '../../src/core/errors.js';

/** The issues of the ConfigError `fn` throws (fails the test when it does not throw one). */
export function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError, but nothing was thrown');
}

/** A minimal valid configuration with `extra` merged in at the top level. */
export function minimal(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { providers: [{ name: 'a', type: 'simulated' }], ...extra };
}
