/**
 * THE one place where failures become HTTP: each {@link RequestError} code and gateway
 * failure maps to one status and one OpenAI-shaped error body (CONTRACT §3).
 */
import { RequestError, SwitchyardError, type AttemptRecord } from '../core/errors.js';
import { redactSecrets } from '../providers/shared/redact.js';

/** OpenAI's error JSON, plus the attempts Switchyard made. */
export interface ErrorBody {
  error: {
    message: string;
    type: string;
    code: string;
    param: string | null;
    attempts?: { provider: string; status: number | null; kind: string; latencyMs: number }[];
  };
}

/** A failure ready to send: status, body and extra headers. */
export interface HttpFailure {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
}

/** A failure the gateway itself detects (before the engine sees the request). */
export class GatewayError extends SwitchyardError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly param: string | null = null,
    /** Headers the answer needs (`Allow` of a 405). */
    readonly headers: Record<string, string> = {},
    /** Upstream calls made before the gateway ended the request (listed as an engine error lists them). */
    readonly attempts: readonly AttemptRecord[] = [],
  ) {
    super(code, message);
    this.name = 'GatewayError';
  }
}

/** Status and OpenAI `type` of every code the gateway can answer with. */
const BY_CODE: Readonly<Record<string, { status: number; type: string }>> = {
  invalid_request: { status: 400, type: 'invalid_request_error' },
  invalid_json: { status: 400, type: 'invalid_request_error' },
  upstream_bad_request: { status: 400, type: 'invalid_request_error' },
  context_length_exceeded: { status: 400, type: 'invalid_request_error' },
  invalid_config: { status: 400, type: 'invalid_request_error' },
  invalid_api_key: { status: 401, type: 'authentication_error' },
  admin_key_required: { status: 403, type: 'permission_error' },
  unknown_model: { status: 404, type: 'invalid_request_error' },
  unknown_provider: { status: 404, type: 'invalid_request_error' },
  not_found: { status: 404, type: 'invalid_request_error' },
  method_not_allowed: { status: 405, type: 'invalid_request_error' },
  reload_unavailable: { status: 409, type: 'invalid_request_error' },
  request_timeout: { status: 408, type: 'invalid_request_error' },
  request_too_large: { status: 413, type: 'invalid_request_error' },
  rate_limited: { status: 429, type: 'rate_limit_error' },
  client_closed_request: { status: 499, type: 'invalid_request_error' },
  all_attempts_failed: { status: 502, type: 'api_error' },
  no_provider_available: { status: 503, type: 'service_unavailable_error' },
  stopped: { status: 503, type: 'service_unavailable_error' },
  shutting_down: { status: 503, type: 'service_unavailable_error' },
  deadline_exceeded: { status: 504, type: 'timeout_error' },
};

/** `aborted` (the client went away) is logged as nginx's 499; nobody reads that response. */
const CODE_ALIASES: Readonly<Record<string, string>> = { aborted: 'client_closed_request' };

/** The HTTP status for an engine outcome (`ok` or a {@link RequestError} code). */
export function statusForCode(code: string): number {
  if (code === 'ok') return 200;
  return BY_CODE[CODE_ALIASES[code] ?? code]?.status ?? 500;
}

/** What a client and the log are told of a request the shutdown cut off. */
export const SHUTDOWN_CUT = 'the gateway shut down before the answer was complete';

/**
 * A request cancelled because the gateway is shutting down (its drain timeout passed) is the
 * gateway's doing, not the client's: `shutting_down` (503), not `aborted` (499).
 */
export function duringShutdown(error: unknown, draining: boolean): unknown {
  if (!draining || !RequestError.is(error) || (error.code !== 'aborted' && error.code !== 'stopped')) return error;
  return new GatewayError(503, 'shutting_down', SHUTDOWN_CUT, null, {}, error.attempts);
}

/**
 * Turns anything thrown while serving into the response to send. Messages are scrubbed of
 * `secrets` and of anything shaped like an API key; unexpected errors say nothing internal.
 */
export function toHttpFailure(error: unknown, secrets: readonly string[]): HttpFailure {
  if (!SwitchyardError.is(error)) {
    return failure(500, 'internal_error', 'api_error', 'internal error', null, {});
  }
  const code = CODE_ALIASES[error.code] ?? error.code;
  const known = BY_CODE[code];
  const status = error instanceof GatewayError ? error.status : (known?.status ?? 500);
  const type = known?.type ?? 'api_error';
  const message = redactSecrets(error.message, secrets);
  const gateway = error instanceof GatewayError ? error : undefined;
  const headers: Record<string, string> = { ...gateway?.headers };
  let param: string | null = gateway?.param ?? null;
  let attempts: readonly AttemptRecord[] = gateway?.attempts ?? [];
  if (RequestError.is(error)) {
    if (error.retryAfterMs !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(error.retryAfterMs / 1000)));
    param = error.param ?? null;
    attempts = error.attempts;
  }
  // Upstream calls made, as on an answer (none: the request was refused before any).
  if (attempts.length > 0) headers['x-switchyard-attempts'] = String(attempts.length);
  const body = failure(status, code, type, message, param, headers);
  if (attempts.length > 0) body.body.error.attempts = attempts.map(publicAttempt);
  return body;
}

function failure(status: number, code: string, type: string, message: string, param: string | null, headers: Record<string, string>): HttpFailure {
  return { status, headers, body: { error: { message, type, code, param } } };
}

function publicAttempt(attempt: AttemptRecord) {
  return { provider: attempt.provider, status: attempt.status ?? null, kind: attempt.kind, latencyMs: Math.round(attempt.latencyMs) };
}
