/**
 * JSON replies and event payloads validated with zod: invalid JSON or a shape that does not
 * match is a `malformed` ProviderError, never a crash. Text is parsed once: a stream event
 * that is checked for an error object and then for its shape is not parsed twice.
 */
import type { ZodType } from 'zod';
import { malformedError, type ErrorScope } from './errors.js';

type Scope = Pick<ErrorScope, 'provider' | 'secrets'>;

/** Parses `text` as JSON; `what` names it in the error message. */
export function decodeJson(scope: Scope, text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw malformedError(scope, `${what} is not valid JSON: ${snippet(text)}`, error);
  }
}

/** Validates a parsed value with `schema`; `what` names it in the error message. */
export function validateJson<T>(scope: Scope, value: unknown, schema: ZodType<T>, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const at = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw malformedError(scope, `${what} does not match the expected shape${at}: ${issue?.message ?? 'invalid'}`, result.error);
}

/** Parses `text` as JSON and validates it with `schema`; `what` names it in the error message. */
export function parseJson<T>(scope: Scope, text: string, schema: ZodType<T>, what: string): T {
  return validateJson(scope, decodeJson(scope, text, what), schema, what);
}

/**
 * Whether `value` is a JSON object carrying a non-null `error` (an error reply or event), or
 * a one-element array of one (Gemini streams errors that way).
 */
export function hasErrorObject(value: unknown): boolean {
  const root = Array.isArray(value) && value.length === 1 ? (value[0] as unknown) : value;
  return typeof root === 'object' && root !== null && !Array.isArray(root) && (root as { error?: unknown }).error != null;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > 80 ? `${flat.slice(0, 80)}…` : flat);
}
