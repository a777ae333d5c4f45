/** Gateway keys: what a request must present. */
import { describe, expect, it } from 'vitest';
import { createKeyCheck, presentedKey } from '../../src/server/auth.js';

describe('createKeyCheck', () => {
  it('accepts a configured key read from a file with its trailing newline', () => {
    const check = createKeyCheck(['gw-key-0123456789\n', undefined, '  ']);
    expect(check.required).toBe(true);
    expect(check.accepts({ authorization: 'Bearer gw-key-0123456789' })).toBe(true);
    expect(check.accepts({ 'x-api-key': 'gw-key-0123456789' })).toBe(true);
    expect(check.accepts({ authorization: 'Bearer gw-key-012345678' })).toBe(false);
    expect(check.accepts({})).toBe(false);
  });

  it('requires nothing when no key is configured (blank ones count as none)', () => {
    const check = createKeyCheck(['', ' \n']);
    expect([check.required, check.accepts({})]).toEqual([false, true]);
  });

  it('reads Bearer first, then x-api-key', () => {
    expect(presentedKey({ authorization: 'bearer  k1 ', 'x-api-key': 'k2' })).toBe('k1');
    expect(presentedKey({ authorization: 'Basic abc', 'x-api-key': 'k2' })).toBe('k2');
  });
});
