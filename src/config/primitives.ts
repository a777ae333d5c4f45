/**
 * Building blocks shared by every section of the configuration schema: strict objects that
 * suggest the key a typo meant, numbers and booleans that also accept the strings produced
 * by `${VAR}` interpolation, and durations with units.
 */
import { z } from 'zod';

/** Unknown names are matched to their closest known name within this many edits (fewer for short names). */
const MAX_SUGGESTION_DISTANCE = 2;

/**
 * `z.strictObject` whose unknown-key issue carries one message line per unknown key, in the
 * order of `issue.keys`, with a suggestion when a known key is close (see `issues.ts`).
 */
export function strict<S extends z.ZodRawShape>(shape: S) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys' ? issue.keys.map((key) => unknownKeyMessage(key, known)).join('\n') : undefined,
  });
}

/** `unknown key`, plus `(did you mean "x"?)` when one known key is close enough. */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  return `unknown key${didYouMean(key, known)}`;
}

/** ` (did you mean "x"?)` for the candidate closest to `word` within a small edit distance, else `''`. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Math.min(MAX_SUGGESTION_DISTANCE, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best === undefined ? '' : ` (did you mean "${best}"?)`;
}

/** Levenshtein distance, with transpositions counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[a.length]![b.length]!;
}

const NUMERIC = /^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/;

/** A number; a numeric string (e.g. from `${PORT}`) is accepted too. */
export function num<T extends z.ZodType = z.ZodNumber>(schema: T = z.number() as unknown as T) {
  return z.preprocess((value) => (typeof value === 'string' && NUMERIC.test(value) ? Number(value) : value), schema);
}

/**
 * An integer in `min..max`; numeric strings accepted. (Not `.int()`: its issue aborts the
 * whole parse, which would hide the cross-reference checks' findings.)
 */
export function int(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) {
  // Out of range is one problem: a number past the safe integers is not also "not an integer".
  const integer = (value: number) => Number.isSafeInteger(value) || value < min || value > max;
  return num(z.number().min(min).max(max).refine(integer, { message: 'must be an integer' }));
}

/** A rate in 0..1; numeric strings accepted. */
export function rate() {
  return num(z.number().min(0).max(1));
}

/** A boolean; the strings `"true"` and `"false"` are accepted too. */
export function bool() {
  return z.preprocess((value) => (value === 'true' ? true : value === 'false' ? false : value), z.boolean());
}

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
const DURATION = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-zA-Z]*)\s*$/;

/**
 * Milliseconds from a number (already ms) or a string: `"250"`, `"250ms"`, `"30s"`, `"5m"`,
 * `"1h"`, `"1.5s"`. Returns an error message for anything else.
 */
export function parseDuration(value: string | number): number | { error: string } {
  if (typeof value === 'number') return value;
  const match = DURATION.exec(value);
  const unit = (match?.[2] ?? '').toLowerCase();
  if (match === null || !(unit === '' || unit in UNIT_MS)) {
    // The value is not quoted: a secret pasted on the wrong line must not reach an error
    // (`POST /admin/reload` answers with it, and logs it).
    return { error: 'invalid duration: write a number, or a number with a unit ms, s, m or h (e.g. "30s")' };
  }
  return Number(match[1]) * (unit === '' ? 1 : UNIT_MS[unit as keyof typeof UNIT_MS]);
}

/**
 * A duration in milliseconds, written as a number of ms or a string with a unit.
 * `positive` rejects 0.
 */
export function duration(options: { positive?: boolean } = {}) {
  return durationIn(1, options);
}

/** A duration in seconds (scenario and incident times): a number of seconds or a string with a unit. */
export function seconds(options: { positive?: boolean } = {}) {
  return durationIn(1_000, options);
}

function durationIn(msPerUnit: number, options: { positive?: boolean }) {
  const target = options.positive === true ? z.number().positive() : z.number().nonnegative();
  return z.preprocess((value, ctx) => {
    if (typeof value !== 'string') return value;
    if (NUMERIC.test(value)) return Number(value);
    const parsed = parseDuration(value);
    if (typeof parsed === 'number') return parsed / msPerUnit;
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return value;
  }, target.finite());
}

/** A non-empty string. */
export function text() {
  return z.string().min(1);
}

/**
 * Options for a cross-field check that must run even when some fields failed (zod skips
 * checks after a failure by default); such a check must expect any value (see {@link inOrder}).
 */
export const EVEN_IF_INVALID = { when: () => true } as const;

/**
 * False only when `value[low]` and `value[high]` both parsed as numbers and `low > high`;
 * safe on anything, for checks running with {@link EVEN_IF_INVALID}.
 */
export function inOrder(value: unknown, low: string, high: string): boolean {
  if (typeof value !== 'object' || value === null) return true;
  const record = value as Record<string, unknown>;
  const [a, b] = [record[low], record[high]];
  return typeof a !== 'number' || typeof b !== 'number' || a <= b;
}
