/**
 * The one mapping from a classified upstream outcome to the provider-actor event that
 * reports it (driven by {@link OUTCOME_BY_KIND}).
 */
import { OUTCOME_BY_KIND, type ProviderError } from '../src/core/errors.js';
import type { ProviderEvent, SlotToken } from './provider.types.js';

/** The provider event that reports a failed attempt. */
export function failureEvent(error: ProviderError, token: SlotToken, at: number, latencyMs: number): ProviderEvent {
  switch (OUTCOME_BY_KIND[error.kind].outcome) {
    case 'failure':
      return { type: 'attempt.failed', at, token, kind: error.kind, latencyMs };
    case 'rate_limited':
      return error.retryAfterMs === undefined
        ? { type: 'attempt.rate_limited', at, token }
        : { type: 'attempt.rate_limited', at, token, retryAfterMs: error.retryAfterMs };
    case 'config_error':
      return { type: 'attempt.config_error', at, token, kind: error.kind, reason: error.message };
    case 'neutral':
      return { type: 'attempt.neutral', at, token };
  }
}
