/**
 * THE place where upstream failures become {@link ProviderError}s: HTTP statuses and
 * provider error codes, network and abort failures, and malformed replies. Adapters never
 * build a ProviderError by hand; they may refine a classification with an {@link ErrorRefiner}.
 */
import { ProviderError, type ErrorKind } from '../../core/errors.js';
import { redactSecrets } from './redact.js';
import type { HeaderReader } from './body.js';
import { retryAfterFromBody, retryAfterFromHeaders } from './retry-after.js';

/** What an upstream said when it failed: status (absent for an error inside a 2xx reply or stream) and body. */
export interface UpstreamFailure {
  status: number | undefined;
  headers: HeaderReader;
  /** The body parsed as JSON, or `undefined` when it is not JSON. */
  body: unknown;
  /** The raw body text (possibly truncated). */
  text: string;
}

/** Per-provider refinement of a classification (e.g. Gemini `RESOURCE_EXHAUSTED`). */
export type ErrorRefiner = (failure: UpstreamFailure, details: ErrorDetails) => { kind?: ErrorKind; message?: string } | undefined;

/** The usual fields of a provider error body, whatever its shape. */
export interface ErrorDetails {
  message: string | undefined;
  /** Machine codes found in the body (`code`, `type`, `status`), lower-cased. */
  codes: string[];
  /** A numeric `code` that is an HTTP error status (Google, OpenRouter, llama.cpp: `"code": 429`). */
  statusCode: number | undefined;
  /** The request field the error names (OpenAI's `param`), as the upstream wrote it. */
  param: string | undefined;
}

/** Everything needed to build a classified error for one provider. */
export interface ErrorScope {
  provider: string;
  /** Credentials to redact from any upstream text. */
  secrets: readonly string[];
  /** Current time, for `Retry-After` HTTP dates. */
  now: () => number;
  refine?: ErrorRefiner | undefined;
}

/** Status → kind, before the body's codes refine it. */
export function kindForStatus(status: number): ErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 402) return 'quota';
  if (status === 404) return 'model_not_found';
  if (status === 408) return 'timeout';
  if (status === 409) return 'server'; // transient conflict: OpenAI's own SDK retries it
  // Too large for this provider (Anthropic's 32 MB `request_too_large`, a proxy's body limit):
  // another may take it.
  if (status === 413) return 'unsupported';
  if (status === 429) return 'rate_limit';
  if (status >= 400 && status < 500) return 'bad_request';
  if (status >= 500 && status < 600) return 'server'; // includes Anthropic's 529 overloaded
  return 'malformed';
}

/** Provider codes (OpenAI, Anthropic, Gemini, Azure) that decide the kind on their own. */
const KIND_BY_CODE: Readonly<Record<string, ErrorKind>> = {
  insufficient_quota: 'quota',
  billing_hard_limit_reached: 'quota',
  billing_not_active: 'quota',
  billing_error: 'quota', // Anthropic (402)
  context_length_exceeded: 'context_length',
  exceed_context_size_error: 'context_length', // llama.cpp server (400)
  content_filter: 'content_filter',
  content_policy_violation: 'content_filter',
  overloaded_error: 'server',
  api_error: 'server',
  unavailable: 'server',
  internal: 'server',
  resource_exhausted: 'rate_limit',
  rate_limit_exceeded: 'rate_limit',
  rate_limit_error: 'rate_limit',
  deadline_exceeded: 'timeout',
  invalid_api_key: 'auth',
  authentication_error: 'auth',
  permission_error: 'auth',
  unauthenticated: 'auth',
  permission_denied: 'auth',
  model_not_found: 'model_not_found',
};

/**
 * Error types (and Google statuses) that stand for an HTTP status: the status of an error that
 * came without one (in a 200 reply or a stream), so that it is classified as it would be with it.
 */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  invalid_request_error: 400, // OpenAI, Anthropic
  invalid_argument: 400, // Google
};

const CONTEXT_LENGTH_TEXT =
  /context.length|context window|context limit|context size|maximum context|too many tokens|prompt is too long|input is too long|exceeds the maximum number of tokens|reduce the length/i;
/** Anthropic has answered an exhausted credit balance with a plain 400 `invalid_request_error`. */
const QUOTA_TEXT = /credit balance is too low/i;
/** Ollama's cloud answers an exhausted session or weekly allowance with a code-less 429. */
const USAGE_LIMIT_TEXT = /\b(?:session|daily|weekly|monthly) usage limit\b/i;
/**
 * A request this provider (or its model) cannot serve as asked, which another may: Anthropic's
 * limits on output schemas; a model without tools, thinking or image input (Ollama, vLLM,
 * OpenAI, Gemini wording).
 */
const UNSUPPORTED_TEXT =
  /schema is too complex|compiled grammar is too large|does not support (strict tools|tools|thinking|images?|vision)\b|image_url is only supported by certain models|is not a multimodal model|(function calling|json mode) is not enabled for|missing data required for image input|image input is not supported|"auto" tool choice requires|(corrupted|invalid) thought[ _]signature|thought[ _]signature is (not valid|invalid|corrupted)/i;
/**
 * The one server error that says "not this model": Ollama's runner fails a request with images
 * for a model without a vision encoder with a 500 (`model.ErrNoVisionModel`), no outage.
 */
const UNSUPPORTED_SERVER_TEXT = /this model is missing data required for image input/i;
/** A model that cannot chat at all (Ollama: an embedding model, `"embeddinggemma" does not support chat`): a configuration error, as an unknown model is. */
const NOT_A_CHAT_MODEL_TEXT = /does not support (chat|generate|completion)\b/i;
const CONTENT_FILTER_TEXT = /content (management )?polic|content filter|safety system|flagged by/i;
const MAX_MESSAGE = 500;

/** Pulls `message` and codes out of OpenAI, Anthropic, Gemini and Ollama error bodies. */
export function errorDetails(body: unknown): ErrorDetails {
  const codes: string[] = [];
  let message: string | undefined;
  let statusCode: number | undefined;
  let param: string | undefined;
  const visit = (value: unknown): void => {
    if (typeof value !== 'object' || value === null) return;
    const record = value as Record<string, unknown>;
    for (const key of ['code', 'type', 'status']) {
      const code = record[key];
      if (typeof code === 'string' && code !== 'error') codes.push(code.toLowerCase());
    }
    const code = record.code;
    if (typeof code === 'number' && Number.isInteger(code) && code >= 400 && code < 600) statusCode ??= code;
    if (typeof record.message === 'string') message ??= record.message;
    if (typeof record.param === 'string') param ??= record.param;
    if (typeof record.error === 'string') message ??= record.error; // Ollama: {"error": "..."}
    else visit(record.error);
  };
  if (Array.isArray(body)) visit(body[0]); // Gemini streams errors as a one-element array
  else visit(body);
  return { message, codes, statusCode, param };
}

/** What an upstream's `param` may look like to be passed on: a field name or path, never free text. */
const PUBLIC_PARAM = /^[A-Za-z0-9_.[\]-]{1,64}$/;

/** `{ param }` when the upstream's `param` is a short identifier holding nothing secret-shaped, else `{}`. */
function publicParam(param: string | undefined, secrets: readonly string[]): { param?: string } {
  if (param === undefined || !PUBLIC_PARAM.test(param) || redactSecrets(param, secrets) !== param) return {};
  return { param };
}

/**
 * Classifies an upstream failure (an error status, or an error object inside a 2xx reply or
 * stream). Without an HTTP status, the body's numeric `code` or its error type stands for one;
 * an error that names no status nor a known code is `server` unless its text says otherwise.
 */
export function classifyFailure(scope: ErrorScope, failure: UpstreamFailure): ProviderError {
  const details = errorDetails(failure.body);
  const status = failure.status ?? details.statusCode ?? impliedStatus(details.codes);
  let kind: ErrorKind = status === undefined ? 'server' : kindForStatus(status);
  // Own keys only: a body code such as "constructor" must not find Object's.
  const coded = details.codes.map((code) => (Object.hasOwn(KIND_BY_CODE, code) ? KIND_BY_CODE[code] : undefined)).find((found) => found !== undefined);
  // A 402 is billing whatever its code says (Gemini's prepaid credits: 402 RESOURCE_EXHAUSTED);
  // a server-error code does not make a 4xx an outage (Ollama's OpenAI API types every error
  // `api_error`, Anthropic's name for a 500).
  const serverCodeOn4xx = coded === 'server' && status !== undefined && status >= 400 && status < 500;
  if (coded !== undefined && status !== 402 && !serverCodeOn4xx && !(coded === 'model_not_found' && kind !== 'model_not_found')) kind = coded;
  if (kind === 'bad_request' || (status === undefined && coded === undefined)) {
    const text = details.message ?? '';
    if (CONTEXT_LENGTH_TEXT.test(text)) kind = 'context_length';
    else if (QUOTA_TEXT.test(text)) kind = 'quota';
    else if (CONTENT_FILTER_TEXT.test(text)) kind = 'content_filter';
    else if (UNSUPPORTED_TEXT.test(text)) kind = 'unsupported';
    else if (NOT_A_CHAT_MODEL_TEXT.test(text)) kind = 'model_not_found';
  } else if (kind === 'server' && UNSUPPORTED_SERVER_TEXT.test(details.message ?? '')) kind = 'unsupported';
  if (kind === 'rate_limit' && USAGE_LIMIT_TEXT.test(details.message ?? '')) kind = 'quota';
  const refined = scope.refine?.(failure, details);
  kind = refined?.kind ?? kind;
  const said = refined?.message ?? details.message ?? (failure.text.trim() || undefined);
  const where = failure.status === undefined ? 'error in a successful reply' : `HTTP ${failure.status}`;
  return new ProviderError({
    provider: scope.provider,
    kind,
    status: failure.status,
    message: clean(scope, `${scope.provider}: ${where}${said ? `: ${said}` : ''}`),
    retryAfterMs: retryAfterFromHeaders(failure.headers, scope.now()) ?? retryAfterFromBody(failure.body),
    ...publicParam(details.param, scope.secrets),
  });
}

function impliedStatus(codes: readonly string[]): number | undefined {
  for (const code of codes) if (Object.hasOwn(STATUS_BY_CODE, code)) return STATUS_BY_CODE[code];
  return undefined;
}

/** A request the provider cannot take, refused before anything is sent (`bad_request`: a client 400, not retried). */
export function invalidRequestError(scope: Pick<ErrorScope, 'provider' | 'secrets'>, message: string): ProviderError {
  return new ProviderError({ provider: scope.provider, kind: 'bad_request', message: clean(scope, `${scope.provider}: ${message}`) });
}

/** A reply that does not match the provider's format (bad JSON, schema mismatch, wrong type). */
export function malformedError(scope: Pick<ErrorScope, 'provider' | 'secrets'>, message: string, cause?: unknown): ProviderError {
  return new ProviderError({ provider: scope.provider, kind: 'malformed', message: clean(scope, `${scope.provider}: ${message}`), cause });
}

const NETWORK_CODES = /^(ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ECONNABORTED|UND_ERR_\w+|ERR_SSL_\w+|CERT_\w+)$/;
const TIMEOUT_CODES = /^(ETIMEDOUT|UND_ERR_CONNECT_TIMEOUT|UND_ERR_HEADERS_TIMEOUT|UND_ERR_BODY_TIMEOUT)$/;

/**
 * Classifies anything thrown while calling or reading an upstream: our own ProviderErrors
 * pass through; an aborted `signal` gives `timeout` when its reason is a TimeoutError, else
 * `aborted`; socket failures give `network`; parse failures give `malformed`.
 */
export function classifyThrown(scope: Pick<ErrorScope, 'provider' | 'secrets'>, error: unknown, signal?: AbortSignal): ProviderError {
  if (ProviderError.is(error)) return error;
  const provider = scope.provider;
  if (signal?.aborted) {
    const reason: unknown = signal.reason;
    const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
    const why = reason instanceof Error ? reason.message : 'aborted';
    return new ProviderError({ provider, kind: timedOut ? 'timeout' : 'aborted', message: clean(scope, `${provider}: ${why}`), cause: error });
  }
  const chain = causeChain(error);
  const name = chain[0]?.name;
  let kind: ErrorKind = 'network';
  if (name === 'TimeoutError') kind = 'timeout';
  else if (name === 'AbortError') kind = 'aborted';
  else if (name === 'SyntaxError' || name === 'ZodError') kind = 'malformed';
  else if (chain.some((e) => TIMEOUT_CODES.test(codeOf(e)))) kind = 'timeout';
  const detail = chain
    .map((e) => [e.message, codeOf(e)].filter(Boolean).join(' '))
    .filter((text, i, all) => text && all.indexOf(text) === i)
    .join(': ');
  const known = chain.some((e) => NETWORK_CODES.test(codeOf(e)));
  const label = kind === 'network' && known ? 'connection failed' : kind === 'network' ? 'request failed' : kind;
  return new ProviderError({ provider, kind, message: clean(scope, `${provider}: ${label}: ${detail}`), cause: error });
}

function causeChain(error: unknown): Error[] {
  const chain: Error[] = [];
  let current: unknown = error;
  while (current instanceof Error && chain.length < 5) {
    chain.push(current);
    current = current.cause;
  }
  if (chain.length === 0) chain.push(new Error(String(error)));
  return chain;
}

function codeOf(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : '';
}

function clean(scope: Pick<ErrorScope, 'secrets'>, message: string): string {
  const redacted = redactSecrets(message, scope.secrets);
  return redacted.length > MAX_MESSAGE ? `${redacted.slice(0, MAX_MESSAGE)}…` : redacted;
}
