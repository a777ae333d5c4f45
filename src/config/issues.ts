/**
 * Turns zod issues into `path: message` lines (`providers[2].weight: must be >= 0`) and keeps
 * credentials out of them: messages never quote the value of a secret field.
 */
import type { z } from 'zod';
import { didYouMean } from './primitives.js';

type PathSegment = PropertyKey;

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** `['providers', 2, 'weight']` → `providers[2].weight`; odd keys are quoted: `routes["gpt-4.1"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/**
 * Messages for zod's built-in issues, shorter than its defaults and never quoting the input.
 * Returning `undefined` keeps zod's own message.
 */
export const friendlyMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.input === undefined) return 'required';
      return `expected ${article(issue.expected)}, got ${article(kindOf(issue.input))}`;
    case 'too_small':
      return sizeMessage(issue.origin, 'at least', issue.inclusive === false ? 'greater than' : 'at least', issue.minimum);
    case 'too_big':
      return sizeMessage(issue.origin, 'at most', issue.inclusive === false ? 'less than' : 'at most', issue.maximum);
    case 'invalid_value': {
      if (issue.input === undefined) return 'required';
      const values = issue.values.map((v) => JSON.stringify(v)).join(', ');
      // Suggests a listed value, never quotes the input.
      const near = typeof issue.input === 'string' ? didYouMean(issue.input, issue.values.filter((v): v is string => typeof v === 'string')) : '';
      return `must be one of ${values}${near}`;
    }
    default:
      return undefined;
  }
};

function sizeMessage(origin: string, countWord: string, numberWord: string, bound: number | bigint): string | undefined {
  if (origin === 'array') return Number(bound) === 1 && countWord === 'at least' ? 'must not be empty' : `must have ${countWord} ${bound} items`;
  if (origin === 'string') return Number(bound) === 1 && countWord === 'at least' ? 'must not be empty' : `must be ${countWord} ${bound} characters long`;
  if (origin === 'number' || origin === 'int') return `must be ${numberWord} ${bound}`;
  return undefined;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'number' && !Number.isFinite(value)) return Number.isNaN(value) ? 'NaN (not a number)' : 'infinite number';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function article(kind: string): string {
  if (kind === 'null' || kind === 'undefined') return kind;
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

/**
 * One line per problem. Unknown-key issues become one line per key (their message holds one
 * line per key, see `strict()`); a union that failed in one recognisable branch reports that
 * branch's problems.
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly PathSegment[] = []): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      const messages = issue.message.split('\n');
      issue.keys.forEach((key, i) => {
        const message = messages.length === issue.keys.length ? messages[i] : 'unknown key';
        lines.push(`${formatPath([...path, key])}: ${message}`);
      });
    } else if (issue.code === 'invalid_key') {
      lines.push(`${formatPath(path)}: invalid key: ${issue.issues.map((inner) => inner.message).join('; ')}`);
    } else if (issue.code === 'invalid_union') {
      const matching = issue.errors.filter((branch) => !branch.every((i) => i.code === 'invalid_type' && i.path.length === 0));
      if (matching.length === 1) lines.push(...formatIssues(matching[0]!, path));
      else lines.push(`${formatPath(path)}: ${issue.message}`);
    } else {
      lines.push(`${formatPath(path)}: ${issue.message}`);
    }
  }
  return [...new Set(lines)];
}

/** Keys whose values are credentials: never shown, even inside another message. */
const SECRET_KEYS = new Set(['apiKey', 'adminKey', 'apiKeys', 'headers', 'redis']);

/** Every credential string found under a secret key of `value` (after interpolation). */
export function collectSecrets(value: unknown, found: Set<string> = new Set(), underSecret = false): Set<string> {
  if (typeof value === 'string') {
    if (underSecret && value.length >= 4) found.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectSecrets(item, found, underSecret);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) collectSecrets(item, found, underSecret || SECRET_KEYS.has(key));
  }
  return found;
}

/** Replaces every occurrence of a secret in `lines` by `[redacted]`. */
export function redact(lines: readonly string[], secrets: ReadonlySet<string>): string[] {
  if (secrets.size === 0) return [...lines];
  const longestFirst = [...secrets].sort((a, b) => b.length - a.length);
  return lines.map((line) => longestFirst.reduce((out, secret) => out.split(secret).join('[redacted]'), line));
}
