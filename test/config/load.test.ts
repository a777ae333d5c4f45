import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfig, parseConfigText } from '../../src/config/load.js';
import { ConfigError } from '../../src/core/errors.js';
import { issuesOf } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadConfigFile', () => {
  it('loads YAML with env interpolation and defaults', () => {
    const path = file(
      'ok.yaml',
      `providers:
  - name: gpt4o
    type: openai
    model: gpt-4o
    apiKey: \${OPENAI_API_KEY}
  - { name: sim, type: simulated, latencyMs: 100 }
routes:
  cheap: { providers: [sim], strategy: lowest-cost }
`,
    );
    const config = loadConfigFile(path, { OPENAI_API_KEY: 'sk-x' });
    expect(config.providers.map((p) => [p.name, p.apiKey])).toEqual([['gpt4o', 'sk-x'], ['sim', undefined]]);
    expect(Object.keys(config.routes)).toEqual(['cheap', 'default']);
  });

  it('loads JSON', () => {
    const path = file('ok.json', JSON.stringify({ providers: [{ name: 'a', type: 'simulated' }], seed: 7 }));
    expect(loadConfigFile(path, {}).seed).toBe(7);
  });

  it('supports YAML anchors and merge keys (defined inside known keys)', () => {
    const path = file(
      'merge.yaml',
      `base: &base { type: openai, model: gpt-4o, timeoutMs: 5s }
providers:
  - { <<: *base, name: a }
  - { <<: *base, name: b, model: gpt-4o-mini }
`,
    );
    expect(issuesOf(() => loadConfigFile(path, {}))).toEqual(['base: unknown key']);
    const ok = file('merge-ok.yaml', `providers:\n  - &a { type: openai, model: gpt-4o, name: a }\n  - { <<: *a, name: b }\n`);
    expect(loadConfigFile(ok, {}).providers.map((p) => [p.name, p.model])).toEqual([['a', 'gpt-4o'], ['b', 'gpt-4o']]);
  });

  it('reports a missing file', () => {
    const path = join(dir, 'missing.yaml');
    expect(issuesOf(() => loadConfigFile(path, {}))).toEqual([`${path}: file not found`]);
  });

  it('reports a YAML syntax error with line and column, without quoting the text', () => {
    const path = file('bad.yaml', 'providers:\n  - name: a\n    apiKey: sk-live-SECRET: oops\n');
    const issues = issuesOf(() => loadConfigFile(path, {}));
    expect(issues).toEqual([`${path}:3:13: invalid YAML: Nested mappings are not allowed in compact mappings`]);
    expect(issues.join('\n')).not.toContain('SECRET');
  });

  it('reports each YAML problem once, even when the parser repeats it', () => {
    const path = file('unclosed.yaml', 'durationS: 60\nconfig: {providers: [\n  {name: a\n');
    const issues = issuesOf(() => loadConfigFile(path, {}));
    expect(issues.length).toBeGreaterThan(0);
    expect(new Set(issues).size).toBe(issues.length);
  });

  it('reports duplicate YAML keys', () => {
    const path = file('dup.yaml', 'providers: []\nproviders: []\n');
    expect(issuesOf(() => loadConfigFile(path, {}))).toEqual([`${path}:2:1: invalid YAML: Map keys must be unique`]);
  });

  it('reports a JSON syntax error with its position, without quoting the text', () => {
    const path = file('bad.json', '{\n  "providers": [],\n  "apiKey": "sk-live-SECRET" x\n}');
    const issues = issuesOf(() => loadConfigFile(path, {}));
    expect(issues).toEqual([`${path}:3:30: invalid JSON: Expected ',' or '}' after property value`]);
    const unlocated = issuesOf(() => parseConfigText('{"apiKey": "sk-live-SECRET", }', 'x.json'));
    expect(unlocated.join('\n')).not.toContain('SECRET');
  });

  it('reads an empty file as an empty configuration', () => {
    expect(issuesOf(() => loadConfigFile(file('empty.yaml', ''), {}))).toEqual(['(root): expected an object, got null']);
  });
});

describe('secrets never appear in errors', () => {
  const SECRET = 'sk-live-0123456789abcdef';

  function allText(fn: () => unknown): string {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return `${(error as Error).message}\n${(error as ConfigError).issues.join('\n')}`;
    }
    throw new Error('expected a ConfigError');
  }

  it.each([
    ['an apiKey of the wrong type', { providers: [{ name: 'a', type: 'openai', model: 'm', apiKey: [SECRET] }] }, 'providers[0].apiKey'],
    ['an adminKey reused where a name goes', { server: { adminKey: SECRET }, providers: [{ name: 'a', type: 'simulated' }], rules: [{ when: {}, route: SECRET }] }, 'rules[0].route'],
    ['an apiKeys entry of the wrong type', { server: { apiKeys: [SECRET, 5] }, providers: [{ name: 'a', type: 'simulated' }] }, 'server.apiKeys[1]'],
    ['an apiKey on a simulated provider', { providers: [{ name: 'a', type: 'simulated', apiKey: SECRET }] }, 'providers[0].apiKey'],
  ])('%s', (_name, raw, path) => {
    const text = allText(() => parseConfig(raw, {}));
    expect(text).toContain(path);
    expect(text).not.toContain(SECRET);
  });

  it('a secret from the environment', () => {
    const raw = { server: { adminKey: '${ADMIN}' }, providers: [{ name: 'a', type: 'simulated' }], routes: { x: { providers: ['${ADMIN}'] } } };
    const text = allText(() => parseConfig(raw, { ADMIN: SECRET }));
    expect(text).toContain('routes.x.providers[0]: unknown provider "[redacted]"');
    expect(text).not.toContain(SECRET);
  });
});

describe('parseConfigText', () => {
  it('reads YAML flow style even when it starts with a brace', () => {
    expect(parseConfigText('{ providers: [ { name: a, type: simulated } ] }', 'config')).toEqual({ providers: [{ name: 'a', type: 'simulated' }] });
  });

  it('reads JSON without an extension', () => {
    expect(parseConfigText('{"seed": 1}', 'config')).toEqual({ seed: 1 });
  });
});
