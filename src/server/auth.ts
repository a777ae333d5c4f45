/**
 * Gateway and admin keys. Keys are compared as SHA-256 digests with `timingSafeEqual`, so
 * neither a key's content nor its length shows in response times.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** A set of accepted keys; empty means no key is needed. */
export interface KeyCheck {
  readonly required: boolean;
  /** Whether the request carries one of the keys (`Authorization: Bearer` or `x-api-key`). */
  accepts(headers: IncomingHttpHeaders): boolean;
}

const digest = (key: string) => createHash('sha256').update(key).digest();

/**
 * A {@link KeyCheck} for `keys`, trimmed (a key read from a file keeps its newline, and no
 * presented key can carry whitespace); empty ones are ignored.
 */
export function createKeyCheck(keys: readonly (string | undefined)[]): KeyCheck {
  const digests = keys.map((key) => key?.trim() ?? '').filter((key) => key !== '').map(digest);
  return {
    required: digests.length > 0,
    accepts(headers) {
      if (digests.length === 0) return true;
      const presented = presentedKey(headers);
      if (presented === undefined) return false;
      const candidate = digest(presented);
      let ok = false;
      // No early exit: every configured key is compared.
      for (const expected of digests) ok = timingSafeEqual(candidate, expected) || ok;
      return ok;
    },
  };
}

/** The key a request presents: `Authorization: Bearer <key>`, else `x-api-key`. */
export function presentedKey(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match !== null) return match[1];
  }
  const header = headers['x-api-key'];
  return typeof header === 'string' && header !== '' ? header : undefined;
}
