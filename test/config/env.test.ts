import { describe, expect, it } from 'vitest';
import { interpolateEnv, parseConfig } from '../../src/config/load.js';
import { issuesOf, minimal } from './helpers.js';

describe('interpolateEnv', () => {
  const env = { KEY: 'sk-123', EMPTY: '', PORT: '9000' };

  it.each([
    ['${KEY}', 'sk-123'],
    ['Bearer ${KEY}!', 'Bearer sk-123!'],
    ['${KEY}-${PORT}', 'sk-123-9000'],
    ['${MISSING:-fallback}', 'fallback'],
    ['${MISSING:-}', ''],
    ['${EMPTY:-fallback}', 'fallback'],
    ['${EMPTY}', ''],
    ['${KEY:-unused}', 'sk-123'],
    ['${MISSING:-http://host:1/v1}', 'http://host:1/v1'],
    ['$${KEY}', '${KEY}'],
    ['no references, $ alone', 'no references, $ alone'],
  ])('%s → %s', (input, expected) => {
    expect(interpolateEnv(input, env)).toBe(expected);
  });

  it('walks objects and arrays and leaves other values alone', () => {
    expect(interpolateEnv({ a: ['${KEY}', 1, true, null], b: { c: '${PORT}' } }, env)).toEqual({ a: ['sk-123', 1, true, null], b: { c: '9000' } });
  });

  it('names the missing variable and where it is used', () => {
    expect(issuesOf(() => interpolateEnv({ providers: [{ apiKey: '${OPENAI_API_KEY}' }], server: { apiKeys: ['${A}', '${B}'] } }, {}))).toEqual([
      'providers[0].apiKey: environment variable OPENAI_API_KEY is not set (use ${OPENAI_API_KEY:-default} to give a default)',
      'server.apiKeys[0]: environment variable A is not set (use ${A:-default} to give a default)',
      'server.apiKeys[1]: environment variable B is not set (use ${B:-default} to give a default)',
    ]);
  });

  it.each([
    ['${not a name}', 'x: invalid variable reference: expected ${NAME} or ${NAME:-default} with NAME made of letters, digits and _'],
    ['${KEY', 'x: unclosed "${" (write "$${" for a literal "${")'],
  ])('rejects %s', (input, expected) => {
    expect(issuesOf(() => interpolateEnv({ x: input }, env))).toEqual([expected]);
  });

  it('does not change the input', () => {
    const input = { a: '${KEY}' };
    interpolateEnv(input, env);
    expect(input).toEqual({ a: '${KEY}' });
  });
});

describe('parseConfig with the environment', () => {
  it('interpolates before validating, so numbers can come from variables', () => {
    const config = parseConfig(minimal({ server: { port: '${PORT:-8081}', drainTimeoutMs: '${DRAIN:-5s}' } }), { PORT: '9000' });
    expect(config.server.port).toBe(9000);
    expect(config.server.drainTimeoutMs).toBe(5000);
  });

  it('reports an unset variable together with every other problem, not instead of them', () => {
    const raw = { providers: [{ name: 'a', type: 'openai', model: 'm', baseUrl: '${BASE}', typo_key: 1 }], server: { port: 70_000 } };
    expect(issuesOf(() => parseConfig(raw, {}))).toEqual([
      'providers[0].baseUrl: environment variable BASE is not set (use ${BASE:-default} to give a default)',
      'server.port: must be at most 65535',
      'providers[0].typo_key: unknown key',
    ]);
  });

  it('validates the interpolated value', () => {
    expect(issuesOf(() => parseConfig(minimal({ server: { port: '${PORT}' } }), { PORT: 'http' }))).toEqual(['server.port: expected a number, got a string']);
  });

  it('reads process.env by default', () => {
    process.env.SWITCHYARD_TEST_MODEL = 'from-env';
    try {
      expect(parseConfig({ providers: [{ name: 'a', type: 'openai', model: '${SWITCHYARD_TEST_MODEL}' }] }).providers[0]?.model).toBe('from-env');
    } finally {
      delete process.env.SWITCHYARD_TEST_MODEL;
    }
  });
});
