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

  it.each([
    ['a trailing comma', '{"server": {"apiKeys": ["gw-key-supersecret",]}, "providers": []}\n', ':1:46: invalid JSON: unexpected character'],
    ['a stray word', '{\n  "providers": [],\n  "x": "gw-key-supersecret" oops\n}', ':3:29: invalid JSON: Expected \',\' or \'}\' after property value'],
    ['a cut-off file', '{"providers": [{"name": "gw-key-supersecret"', ':1:45: invalid JSON: Expected \',\' or \'}\' after property value'],
    ['a misspelt literal', '{"a": 1, "b": tru}', ':1:18: invalid JSON: unexpected character'],
    ['an unquoted value', '{"providers": [{"name": "a", "type": "simulated", "apiKey": sk-live-supersecret}]}', ':1:61: invalid JSON: unexpected character'],
  ])('locates a JSON syntax error (%s) and never quotes the file', (_name, text, expected) => {
    const path = file('located.json', text);
    const issues = issuesOf(() => loadConfigFile(path, {}));
    expect(issues).toEqual([`${path}${expected}`]);
    expect(issues.join('\n')).not.toMatch(/secret/);
  });

  it('reads a UTF-8 file that starts with a byte-order mark, JSON or YAML', () => {
    for (const name of ['bom.json', 'bom.yaml']) {
      const path = file(name, '\ufeff{"providers": [{"name": "a", "type": "simulated"}]}');
      expect(loadConfigFile(path, {}).providers[0]!.name).toBe('a');
    }
  });

  it('refuses a file that is not UTF-8 instead of garbling it', () => {
    const latin1 = join(dir, 'latin1.yaml');
    writeFileSync(latin1, Buffer.concat([Buffer.from('providers:\n  - name: a\n    model: "caf'), Buffer.from([0xe9]), Buffer.from('"\n')]));
    expect(issuesOf(() => loadConfigFile(latin1, {}))).toEqual([`${latin1}:3:16: the file is not valid UTF-8 (Latin-1?); save it as UTF-8`]);
    const utf16 = join(dir, 'utf16.yaml');
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('providers: []\n', 'utf16le')]));
    expect(issuesOf(() => loadConfigFile(utf16, {}))).toEqual([`${utf16}: the file is UTF-16 or UTF-32; save it as UTF-8`]);
    const bare = join(dir, 'utf16-bare.yaml');
    writeFileSync(bare, Buffer.from('providers: []\n', 'utf16le'));
    expect(issuesOf(() => loadConfigFile(bare, {}))).toEqual([`${bare}: the file holds NUL bytes (UTF-16 without a byte-order mark?); save it as UTF-8`]);
  });

  it.each([
    ['an alias inside its own anchor', 'a: &a [*a]\nproviders: []\n', 'an alias refers to the collection that contains it'],
    ['an alias before its anchor (a secret written unquoted)', 'providers:\n  - {name: a, type: openai, model: m, apiKey: *supersecretvalue123}\n', 'an alias (*name) refers to no anchor (&name) set before it'],
    ['an alias bomb', `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\nproviders: []\n`, 'too many aliases'],
    ['an unknown tag', 'providers:\n  - {name: a, type: openai, model: m, apiKey: !ENV OPENAI_API_KEY}\n', 'a value starts with ! and is read as a YAML tag'],
    ['a password read as a tag', 'providers:\n  - {name: a, type: openai, model: m, apiKey: !Passw0rd-supersecret}\n', 'a value starts with ! and is read as a YAML tag'],
    ['a YAML 1.1 tag no setting takes (!!binary)', 'providers:\n  - {name: a, type: openai, model: m, apiKey: !!binary c3VwZXJzZWNyZXQ=}\n', 'a value has a !! tag that is not supported'],
    ['a YAML 1.1 tag no setting takes (!!timestamp)', 'providers:\n  - {name: a, type: simulated, model: !!timestamp 2001-12-14}\n', 'a value has a !! tag that is not supported'],
    ['a tag that does not fit its value', 'server: {port: !!float 1}\nproviders: []\n', 'a value has a !! tag that is not supported or does not fit the value'],
    ['a password read as a !! tag', 'providers:\n  - {name: a, type: openai, model: m, apiKey: !!supersecret}\n', 'a value has a !! tag'],
    ['a value after a list at the top level', '- name: a\napiKey: sk-live-supersecret123\n', 'Unexpected scalar'],
    ['a block scalar header', 'password: |supersecret123\n', 'Block scalar header includes extra characters'],
    ['a bad escape', 'password: "\\uZsupersecret"\n', 'invalid escape sequence in a double-quoted string'],
    ['a directive', '%supersecret x\n---\nproviders: []\n', 'unknown or unsupported % directive'],
    ['aliases that expand to too much', `big: &big {${Array.from({ length: 2000 }, (_, i) => `k${i}: ${i}`).join(', ')}}\nall: [${Array.from({ length: 600 }, () => '*big').join(', ')}]\nproviders: []\n`, 'the aliases expand to too much data'],
    ['two documents', 'providers: []\n---\nproviders: []\n', 'only one YAML document is allowed'],
  ])('reports %s as a YAML problem, never as a crash', (_name, text, expected) => {
    const issues = issuesOf(() => loadConfigFile(file('alias.yaml', text), {}));
    expect(issues[0]).toContain(`invalid YAML: ${expected}`);
    expect(issues.join('\n')).not.toContain('supersecret');
  });

  it('locates an alias before its anchor and an alias inside its own anchor', () => {
    const unresolved = file('unresolved.yaml', 'providers:\n  - name: a\n    type: simulated\n    model: *nothing\n');
    expect(issuesOf(() => loadConfigFile(unresolved, {}))).toEqual([`${unresolved}:4:12: invalid YAML: an alias (*name) refers to no anchor (&name) set before it; quote a value that starts with * or &`]);
    const cyclic = file('cyclic.yaml', 'providers: []\nx: &a\n  - 1\n  - *a\n');
    expect(issuesOf(() => loadConfigFile(cyclic, {}))).toEqual([`${cyclic}:4:5: invalid YAML: an alias refers to the collection that contains it`]);
  });

  it('still reads the core schema\'s own tags', () => {
    expect(parseConfigText('a: !!str 5\nb: !!int "7"\nc: !!float 1.5\nd: !!bool true\ne: !!seq [1]\nf: !!map {k: 1}\ng: !!null ""\n', 't.yaml')).toEqual({ a: '5', b: 7, c: 1.5, d: true, e: [1], f: { k: 1 }, g: null });
  });

  it('loads an anchor used several times (shared, not cyclic)', () => {
    const path = file('shared.yaml', 'x: &p {type: simulated}\nproviders:\n  - {<<: *p, name: a}\n  - {<<: *p, name: b}\n');
    expect(() => parseConfigText('a: &x {k: 1}\nb: *x\nc: [*x, *x]\n', 's.yaml')).not.toThrow();
    expect(issuesOf(() => loadConfigFile(path, {})).join('\n')).not.toContain('invalid YAML');
  });

  it('says what is wrong with .nan and .inf', () => {
    const issues = issuesOf(() => loadConfigFile(file('inf.yaml', 'server: { maxBodyBytes: .inf }\nproviders:\n  - { name: a, type: simulated, failureRate: .nan }\n'), {}));
    expect(issues.join('\n')).not.toContain('got a number');
    expect(issues.join('\n')).toMatch(/server\.maxBodyBytes: expected a number, got an infinite number/);
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

  it('refuses YAML nested past 64 levels before composing it (the composer ends the process, fatally, some thousand levels down)', () => {
    const deepFlow = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    const cases = [
      `providers: ${deepFlow}\n`,
      `providers: ${'['.repeat(65)}${']'.repeat(65)}\n`,
      `providers:\n${'- '.repeat(5_000)}a\n`,
      `x:\n${Array.from({ length: 70 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')} v\n`,
      // Nothing can hide the depth: quotes, closing brackets in strings or comments, apostrophes, anchors, tags, block scalars, explicit keys.
      `a: ${'["]", '.repeat(3_000)}1${']'.repeat(3_000)}\n`,
      `${'[ # ]\n'.repeat(3_000)}1${']'.repeat(3_000)}\n`,
      `a: ${'{"}": '.repeat(3_000)}1${'}'.repeat(3_000)}\n`,
      `note: it's fine\nproviders: ${deepFlow}\n`,
      `a: &x 'b, "c'\nproviders: ${deepFlow}\n`,
      `a: !!str 'b, "c'\nproviders: ${deepFlow}\n`,
      `p: |\n  'Twas the night\nproviders: ${deepFlow}\n`,
      `? a\n: ${'- '.repeat(900)}x\n`,
    ];
    for (const text of cases) {
      // Several times in one process: the fatal failure came on a second or third parse.
      for (let round = 0; round < 3; round++) {
        expect(() => parseConfigText(text, 'deep.yaml'), text.slice(0, 40)).toThrow(
          /deep\.yaml:\d+:\d+: (nested more than 64 levels deep|indented or nested in block style more than 256 levels deep|more than 10,000 \[ and \{ in all)/,
        );
      }
    }
    // What the parser itself cannot take is refused before it runs: block nesting closed by a
    // key after it (its stack), and a 4 MB file of brackets (its memory).
    for (const [text, why] of [
      [`providers:\n${'- '.repeat(5_000)}a\nlisten: 1\n`, /indented or nested in block style more than 256 levels deep/],
      [`${'? '.repeat(3_000)}a\nb: c\n`, /indented or nested in block style more than 256 levels deep/],
      [`a: ${'['.repeat(4_000_000)}\n`, /more than 10,000 \[ and \{ in all/],
    ] as const) {
      expect(() => parseConfigText(text, 'deep.yaml')).toThrow(why);
    }
    // 64 levels are fine, and brackets in strings and comments are.
    const fine = `a: "${'['.repeat(100)}"\nb: '${'}'.repeat(100)}' # ${'['.repeat(100)}\nc: ${'['.repeat(63)}${']'.repeat(63)}\n`;
    expect(parseConfigText(fine, 'ok.yaml')).toMatchObject({ a: '['.repeat(100), b: '}'.repeat(100) });
  });

  it('refuses a configuration object nested past 64 levels with a ConfigError, not a stack overflow, also from a JSON file', () => {
    const json = parseConfigText(`{"providers": [{"name": "a", "type": "simulated"}], "deep": ${'['.repeat(5_000)}${']'.repeat(5_000)}}`, 'deep.json');
    expect(() => parseConfig(json, {})).toThrow(/nested more than 64 levels deep/);
    let deep: unknown = 'x';
    for (let i = 0; i < 5_000; i++) deep = { a: deep };
    expect(() => parseConfig({ providers: [{ name: 'a', type: 'simulated' }], deep }, {})).toThrow(ConfigError);
    expect(() => parseConfig({ providers: [{ name: 'a', type: 'simulated' }], deep }, {})).toThrow(/nested more than 64 levels deep/);
  });
});
