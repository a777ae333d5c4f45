/**
 * Switchyard's error family. One base class with a `code` and a `cause`; `is()` checks use
 * a brand symbol so they survive duplicate copies of the package.
 */

const BRAND = Symbol.for('switchyard.error');

/** Base of every error Switchyard throws. */
export class SwitchyardError extends Error {
  readonly [BRAND] = true;
  /** Stable machine-readable code, e.g. `all_attempts_failed`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SwitchyardError';
    this.code = code;
  }

  static is(value: unknown): value is SwitchyardError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }
}

/**
 * What went wrong with an upstream call. Decides retry and the provider-actor event
 * (see {@link OUTCOME_BY_KIND}).
 */
export type ErrorKind =
  | 'rate_limit' // 429 or equivalent: back off this provider, not an outage
  | 'server' // 5xx, overloaded
  | 'timeout' // no first byte within the attempt timeout, or a stream went silent
  | 'network' // refused, reset, DNS, TLS
  | 'malformed' // reply did not match the provider's format
  | 'auth' // 401/403: bad credential
  | 'quota' // billing quota exhausted (e.g. OpenAI `insufficient_quota`)
  | 'model_not_found' // 404 unknown model
  | 'bad_request' // 400: the client's request is wrong
  | 'context_length' // the prompt does not fit
  | 'content_filter' // refused by the provider's policy
  | 'unsupported' // the provider cannot serve this request as asked (Anthropic: "Schema is too complex"); another may
  | 'aborted'; // the client went away or the deadline passed

/** How a provider actor treats an outcome of each kind. */
export type OutcomeClass = 'failure' | 'rate_limited' | 'config_error' | 'neutral';

/** One table from error kind to provider-actor outcome and retry decision. */
export const OUTCOME_BY_KIND: Readonly<Record<ErrorKind, { outcome: OutcomeClass; retryable: boolean }>> = {
  rate_limit: { outcome: 'rate_limited', retryable: true },
  server: { outcome: 'failure', retryable: true },
  timeout: { outcome: 'failure', retryable: true },
  network: { outcome: 'failure', retryable: true },
  malformed: { outcome: 'failure', retryable: true },
  auth: { outcome: 'config_error', retryable: true },
  quota: { outcome: 'config_error', retryable: true },
  model_not_found: { outcome: 'config_error', retryable: true },
  bad_request: { outcome: 'neutral', retryable: false },
  context_length: { outcome: 'neutral', retryable: false },
  content_filter: { outcome: 'neutral', retryable: false },
  unsupported: { outcome: 'neutral', retryable: true },
  aborted: { outcome: 'neutral', retryable: false },
};

/**
 * A failed upstream call, classified. `retryable` means another attempt (on this provider
 * after a backoff, or on another one) may succeed; it is false for the client's own errors.
 */
export class ProviderError extends SwitchyardError {
  readonly provider: string;
  readonly kind: ErrorKind;
  readonly status: number | undefined;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;
  /** The request field the upstream named as at fault (a short identifier such as `messages`), when it named one. */
  readonly param: string | undefined;

  constructor(init: {
    provider: string;
    kind: ErrorKind;
    message: string;
    status?: number;
    retryAfterMs?: number;
    param?: string;
    cause?: unknown;
  }) {
    super(`provider_${init.kind}`, init.message, { cause: init.cause });
    this.name = 'ProviderError';
    this.provider = init.provider;
    this.kind = init.kind;
    this.status = init.status;
    this.retryable = OUTCOME_BY_KIND[init.kind].retryable;
    this.retryAfterMs = init.retryAfterMs;
    this.param = init.param;
  }

  static override is(value: unknown): value is ProviderError {
    return SwitchyardError.is(value) && (value as SwitchyardError).code.startsWith('provider_');
  }
}

/** Coerces anything thrown by an adapter into a {@link ProviderError}. */
export function toProviderError(provider: string, error: unknown): ProviderError {
  if (ProviderError.is(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : '';
  const kind: ErrorKind = name === 'AbortError' ? 'aborted' : name === 'TimeoutError' ? 'timeout' : 'network';
  return new ProviderError({ provider, kind, message, cause: error });
}

/** One upstream call of a request, as listed in errors and logs. */
export interface AttemptRecord {
  provider: string;
  /** `ok` for the attempt that answered. */
  kind: ErrorKind | 'ok';
  status: number | undefined;
  latencyMs: number;
}

/** Why a request failed as a whole. The server maps each code to one HTTP status. */
export type RequestErrorCode =
  | 'invalid_request' // 400: the request itself is wrong (names the field)
  | 'upstream_bad_request' // 400: an upstream said the request is wrong (not retried)
  | 'context_length_exceeded' // 400: no candidate can fit the prompt
  | 'unknown_model' // 404: no route or provider by that name
  | 'rate_limited' // 429: every candidate is rate limited
  | 'all_attempts_failed' // 502
  | 'no_provider_available' // 503: nothing selectable
  | 'deadline_exceeded' // 504
  | 'aborted' // the caller aborted
  | 'stopped'; // the engine was stopped while the request was under way

/** A request that ended without an answer, with every attempt it made. */
export class RequestError extends SwitchyardError {
  override readonly code: RequestErrorCode;
  readonly attempts: AttemptRecord[];
  /** Milliseconds until a retry may succeed (for `Retry-After`), when known. */
  readonly retryAfterMs: number | undefined;
  /** The request field at fault, for `invalid_request` (and as an upstream named it, for its 400s). */
  readonly param: string | undefined;

  constructor(init: {
    code: RequestErrorCode;
    message: string;
    attempts?: AttemptRecord[];
    retryAfterMs?: number;
    param?: string;
    cause?: unknown;
  }) {
    super(init.code, init.message, { cause: init.cause });
    this.name = 'RequestError';
    this.code = init.code;
    this.attempts = init.attempts ?? [];
    this.retryAfterMs = init.retryAfterMs;
    this.param = init.param;
  }

  static override is(value: unknown): value is RequestError {
    return SwitchyardError.is(value) && (value as Error).name === 'RequestError';
  }
}

/** An invalid configuration; `issues` name each problem with its path. */
export class ConfigError extends SwitchyardError {
  readonly issues: string[];

  constructor(issues: string[]) {
    super('invalid_config', `invalid configuration:\n  ${issues.join('\n  ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
