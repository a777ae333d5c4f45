/**
 * `${VAR}` and `${VAR:-default}` substitution in every string of a configuration, before
 * validation. A missing variable without a default is an error naming it and where it is used.
 */
import { ConfigError } from '../core/errors.js';
import { formatPath } from './issues.js';

/** The environment variables interpolation reads. */
export type Env = Readonly<Record<string, string | undefined>>;

const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const VARIABLE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

/**
 * Returns a copy of `value` with every `${VAR}` / `${VAR:-default}` in its strings (through
 * objects and arrays) replaced from `env`; `$${` writes a literal `${`. The default applies
 * when the variable is unset or empty. Throws a {@link ConfigError} listing every problem.
 * @example interpolateEnv({ apiKey: '${OPENAI_API_KEY}' }, process.env)
 */
export function interpolateEnv(value: unknown, env: Env = process.env): unknown {
  const { value: result, issues } = interpolateEnvCollecting(value, env);
  if (issues.length > 0) throw new ConfigError(issues);
  return result;
}

/**
 * {@link interpolateEnv} without throwing: the copy (unresolved references left as written)
 * and the `path: message` problems, so that a caller can report them with its own.
 */
export function interpolateEnvCollecting(value: unknown, env: Env = process.env): { value: unknown; issues: string[] } {
  const issues: string[] = [];
  return { value: walk(value, [], env, issues), issues };
}

/** Objects and arrays of parsed configurations: their strings are final (see {@link markResolved}). */
const RESOLVED = new WeakSet<object>();

/**
 * Marks every object and array of a parsed configuration as resolved, so that handing it (or
 * its parts, `{ ...engine.config, routing }`) back to `parseConfig` does not interpolate its
 * strings a second time: a literal `${` (written `$${`) or one inside a variable's value stays.
 */
export function markResolved(value: unknown): void {
  if (typeof value !== 'object' || value === null || RESOLVED.has(value)) return;
  RESOLVED.add(value);
  for (const item of Object.values(value)) markResolved(item);
}

/** Deepest a configuration object may be (a file's text is checked the same way before parsing). */
const MAX_DEPTH = 64;

function walk(value: unknown, path: (string | number)[], env: Env, issues: string[]): unknown {
  if (typeof value === 'string') return substitute(value, path, env, issues);
  if (path.length > MAX_DEPTH && typeof value === 'object' && value !== null) {
    // Recursion this deep would exhaust the stack (a RangeError, not a configuration problem).
    issues.push(`${formatPath(path.slice(0, MAX_DEPTH))}: nested more than ${MAX_DEPTH} levels deep`);
    return undefined;
  }
  if (typeof value === 'object' && value !== null && RESOLVED.has(value)) return value;
  if (Array.isArray(value)) return value.map((item, index) => walk(item, [...path, index], env, issues));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, walk(item, [...path, key], env, issues)]));
  }
  return value;
}

function substitute(text: string, path: (string | number)[], env: Env, issues: string[]): string {
  if (!text.includes('${')) return text;
  return text.replace(REFERENCE, (match, body: string | undefined) => {
    if (match === '$${') return '${';
    if (body === undefined) {
      issues.push(`${formatPath(path)}: unclosed "\${" (write "$\${" for a literal "\${")`);
      return match;
    }
    const reference = VARIABLE.exec(body);
    if (reference === null) {
      issues.push(`${formatPath(path)}: invalid variable reference: expected \${NAME} or \${NAME:-default} with NAME made of letters, digits and _`);
      return match;
    }
    const [, name, fallback] = reference as unknown as [string, string, string | undefined];
    const found = env[name];
    if (found !== undefined && (found !== '' || fallback === undefined)) return found;
    if (fallback !== undefined) return fallback;
    issues.push(`${formatPath(path)}: environment variable ${name} is not set (use \${${name}:-default} to give a default)`);
    return match;
  });
}
