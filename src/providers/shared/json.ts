/**
 * JSON replies and event payloads validated with zod: invalid JSON or a shape that does not
 * match is a `malformed` ProviderError, never a crash.
 */
import type { ZodType } from 'zod';
import { malformedError, type ErrorScope } from './errors.js';

/** Parses `text` as JSON and validates it with `schema`; `what` names it in the error message. */
export function parseJson<T>(scope: Pick<ErrorScope, 'provider' | 'secrets'>, text: string, schema: ZodType<T>, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw malformedError(scope, `${what} is not valid JSON: ${snippet(text)}`, error);
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const at = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw malformedError(scope, `${what} does not match the expected shape${at}: ${issue?.message ?? 'invalid'}`, result.error);
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > 80 ? `${flat.slice(0, 80)}…` : flat);
}
