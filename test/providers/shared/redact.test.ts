import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REDACTED, redactSecrets, secretsOf } from '../../../src/providers/shared/redact.js';

describe('redactSecrets', () => {
  it.each([
    ['Incorrect API key provided: sk-proj-abc123DEF456ghi789.', 'sk-proj-abc123DEF456ghi789'],
    ['Incorrect API key provided: sk-abc1***************wxyz.', 'sk-abc1'],
    ['invalid x-api-key sk-ant-api03-AAAABBBBCCCCDDDD-xyz', 'sk-ant-api03'],
    ['API key not valid: AIzaSyA1234567890abcdefghijklmnopqrs', 'AIzaSyA1234'],
    ['got header Authorization: Bearer abc.def-ghi_jkl', 'abc.def-ghi_jkl'],
    ['gsk_0123456789abcdefghij is invalid', 'gsk_0123456789'],
  ])('hides key-shaped text in %j', (text, secret) => {
    const out = redactSecrets(text);
    expect(out).not.toContain(secret);
    expect(out).toContain(REDACTED);
  });

  it('hides the configured credential wherever it appears, whatever its shape', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 6, maxLength: 40 }), fc.string(), fc.string(), (secret, before, after) => {
        expect(redactSecrets(`${before}${secret}${after}${secret}`, [secret])).not.toContain(secret);
      }),
    );
  });

  it('redacts exactly as the four key patterns applied unconditionally (the quick pre-check skips nothing)', () => {
    // The patterns as written in redact.ts, applied to every text: the reference.
    const reference = (text: string) =>
      [/\bsk-[A-Za-z0-9_*\-]{6,}/g, /\bAIza[0-9A-Za-z_\-]{20,}/g, /\b(?:gsk|xai|pplx|hf|tgp_v1|nvapi)[-_][A-Za-z0-9_*\-]{10,}/g, /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=*\-]{6,}/gi].reduce(
        (result, pattern) => result.replace(pattern, (_match, scheme: unknown) => (typeof scheme === 'string' ? `${scheme} ${REDACTED}` : REDACTED)),
        text,
      );
    const pieces = fc.constantFrom('sk-', 'SK-', 'AIza', 'aiza', 'gsk_', 'xai-', 'pplx-', 'hf_', 'tgp_v1_', 'nvapi-', 'Bearer ', 'bEaReR\t', 'BASIC ', 'basic\n', 'abcdefghij', '0123456789', '-', '_', '*', ' ', '"', ':', 'x');
    const text = fc.array(fc.oneof(pieces, fc.string({ maxLength: 4 })), { maxLength: 16 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(text, (line) => {
        expect(redactSecrets(line)).toBe(reference(line));
      }),
      { numRuns: 2000 },
    );
  });

  it('leaves ordinary text alone', () => {
    expect(redactSecrets('The model `gpt-4o` does not exist.', ['short'])).toBe('The model `gpt-4o` does not exist.');
  });

  it('collects the key and credential-like headers', () => {
    expect(secretsOf('k1', { 'api-key': 'k2', 'x-trace': 'no', authorization: 'Bearer k3' })).toEqual(['k1', 'k2', 'Bearer k3', 'Bearer%20k3']);
  });

  it('takes a key that cannot be URL-encoded (a lone surrogate) as it is', () => {
    expect(secretsOf('key-\ud800-abcdef')).toEqual(['key-\ud800-abcdef']);
  });

  it('adds the URL-encoded form of a key, which an upstream may echo', () => {
    const key = 'my-company-key/ab+cd==QQQ';
    expect(secretsOf(key)).toEqual([key, 'my-company-key%2Fab%2Bcd%3D%3DQQQ']);
    expect(redactSecrets(`url-enc ${encodeURIComponent(key)} rejected`, secretsOf(key))).toBe(`url-enc ${REDACTED} rejected`);
  });

  it('adds credentials from a base URL query (as written and as encoded), not other parameters', () => {
    expect(secretsOf(undefined, {}, 'https://x.example/openai/d?api-version=2024-10-21&api-key=k%2Fey+1&sig=abcdef#f')).toEqual(['k%2Fey+1', 'k%252Fey%2B1', 'k/ey+1', 'k%2Fey%2B1', 'abcdef']);
    expect(secretsOf(undefined, {}, 'https://x.example/v1')).toEqual([]);
  });

  it('adds the trimmed form of a value with surrounding whitespace (sent trimmed, echoed without it)', () => {
    expect(secretsOf('key-from-file\n', { 'x-api-key': ' k2 ' })).toEqual(['key-from-file\n', 'key-from-file%0A', 'key-from-file', ' k2 ', '%20k2%20', 'k2']);
    expect(redactSecrets('invalid key key-from-file', secretsOf('key-from-file\n'))).toBe(`invalid key ${REDACTED}`);
  });
});
