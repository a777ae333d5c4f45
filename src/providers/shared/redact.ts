/**
 * The one place secrets are scrubbed from upstream text (error messages, bodies) before
 * it reaches a {@link ProviderError}, a log line or a client.
 */
import { safeDecode } from './http.js';

/** What replaces a secret. */
export const REDACTED = '[REDACTED]';

/** Shapes of well-known API keys, whole or partly masked (`sk-abc***xyz`). */
const KEY_PATTERNS: readonly RegExp[] = [
  /\bsk-[A-Za-z0-9_*\-]{6,}/g, // OpenAI (sk-, sk-proj-), Anthropic (sk-ant-)
  /\bAIza[0-9A-Za-z_\-]{20,}/g, // Google API keys
  /\b(?:gsk|xai|pplx|hf|tgp_v1|nvapi)[-_][A-Za-z0-9_*\-]{10,}/g, // Groq, xAI, Perplexity, HF, Together, NVIDIA
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=*\-]{6,}/gi,
];

/**
 * Matches wherever one of {@link KEY_PATTERNS} could start (a superset of their matches):
 * one scan that lets the common line, with nothing key-shaped in it, skip the four.
 */
const KEY_HINT = /sk-|AIza|(?:gsk|xai|pplx|hf|tgp_v1|nvapi)[-_]|(?:bearer|basic)\s/i;

/** Secrets shorter than this are not searched verbatim (they would match ordinary words). */
const MIN_SECRET_LENGTH = 6;

/** Replaces every known secret and anything shaped like an API key in `text` with {@link REDACTED}. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret === undefined || secret.length < MIN_SECRET_LENGTH) continue;
    if (result.includes(secret)) result = result.split(secret).join(REDACTED);
  }
  if (!KEY_HINT.test(result)) return result;
  for (const pattern of KEY_PATTERNS) {
    result = result.replace(pattern, (_match, scheme: unknown) =>
      typeof scheme === 'string' ? `${scheme} ${REDACTED}` : REDACTED,
    );
  }
  return result;
}

/** Header and query parameter names whose values are credentials (added to the secrets to redact). */
const SECRET_HEADER = /auth|key|token|secret|cookie|password|sig/i;

/**
 * The credential and credential-like header values of a provider's settings, each also
 * trimmed when it has surrounding whitespace (a key read from a file keeps its newline in
 * the configuration but is sent, and echoed back, without it) and URL-encoded when that
 * differs (an upstream may echo a key as it would appear in a URL).
 */
export function secretsOf(apiKey: string | undefined, headers: Record<string, string> = {}, baseUrl?: string): string[] {
  const secrets: string[] = [];
  const push = (value: string): void => {
    secrets.push(value);
    const encoded = urlEncoded(value);
    if (encoded !== undefined && encoded !== value) secrets.push(encoded);
  };
  const add = (value: string | undefined): void => {
    if (!value) return;
    push(value);
    const trimmed = value.trim();
    if (trimmed !== value && trimmed !== '') push(trimmed);
  };
  add(apiKey);
  for (const [name, value] of Object.entries(headers)) if (SECRET_HEADER.test(name)) add(value);
  // A credential in the base URL's query (`?api-key=…`, a SAS `sig=…`): as written (it is
  // sent so) and decoded (as an upstream may echo it).
  const query = baseUrl?.split('#')[0]?.split('?')[1];
  for (const pair of query === undefined ? [] : query.split('&')) {
    const [name = '', value = ''] = pair.split(/=(.*)/s);
    if (!SECRET_HEADER.test(name) || value === '') continue;
    add(value);
    const decoded = safeDecode(value);
    if (decoded !== value) add(decoded);
  }
  return secrets;
}

/** `value` URL-encoded, or `undefined` when it cannot be (a lone surrogate). */
function urlEncoded(value: string): string | undefined {
  try {
    return encodeURIComponent(value);
  } catch {
    return undefined;
  }
}
