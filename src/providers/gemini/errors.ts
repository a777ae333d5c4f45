/**
 * Gemini's refinements of the shared error classification. Google errors are
 * `{error: {code, message, status, details: [...]}}`; the shared table already knows the
 * `status` values (`RESOURCE_EXHAUSTED`, `UNAVAILABLE`, …); the `details` say two more things.
 */
import type { ErrorRefiner } from '../shared/errors.js';

/** `google.rpc.ErrorInfo` reasons that mean a bad credential although the status is 400 `INVALID_ARGUMENT`. */
const AUTH_REASONS = new Set(['API_KEY_INVALID', 'API_KEY_EXPIRED']);
/** A `google.rpc.QuotaFailure` violation of a daily quota (e.g. `GenerateRequestsPerDayPerProjectPerModel-FreeTier`). */
const DAILY_QUOTA = /PerDay/i;

/**
 * A wrong API key arrives as 400 with `ErrorInfo.reason: API_KEY_INVALID` → `auth`;
 * `FAILED_PRECONDITION` (the free tier is not available in the caller's region, billing must
 * be enabled) → `quota`; `RESOURCE_EXHAUSTED` whose every quota violation is a daily quota →
 * `quota` (it will not clear within minutes; per-minute limits stay `rate_limit`).
 */
export const refineGeminiError: ErrorRefiner = (failure, found) => {
  if (found.codes.includes('failed_precondition')) return { kind: 'quota' };
  const details = detailsOf(failure.body);
  if (details.some((detail) => typeof detail.reason === 'string' && AUTH_REASONS.has(detail.reason))) return { kind: 'auth' };
  const violations = details.flatMap((detail) => (Array.isArray(detail.violations) ? (detail.violations as unknown[]) : []));
  const quotaIds = violations.map((violation) => (violation as { quotaId?: unknown } | null)?.quotaId).filter((id) => typeof id === 'string');
  if (quotaIds.length > 0 && quotaIds.every((id) => DAILY_QUOTA.test(id))) return { kind: 'quota' };
  return undefined;
};

/** `error.details` of a Google error body (or of the first element of a streamed error array). */
function detailsOf(body: unknown): Record<string, unknown>[] {
  const root = Array.isArray(body) ? (body[0] as unknown) : body;
  const error = (root as { error?: { details?: unknown } } | null | undefined)?.error;
  const details = typeof error === 'object' && error !== null ? error.details : undefined;
  return Array.isArray(details) ? details.filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null) : [];
}
