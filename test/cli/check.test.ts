import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { run } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const VALID = `providers:
  - { name: gpt4o, type: openai, model: gpt-4o, apiKey: "\${OPENAI_API_KEY:-none}" }
  - { name: sim, type: simulated }
routes:
  cheap: { providers: [sim], strategy: lowest-cost }
`;

describe('switchyard check', () => {
  it('exits 0 with a one-line summary for a valid file', async () => {
    const path = file('valid.yaml', VALID);
    const result = await run(['check', path]);
    expect(result).toEqual({ code: 0, stdout: `${path}: OK, 2 providers, 2 routes\n`, stderr: '' });
  });

  it('exits 1 and prints every problem with its path', async () => {
    const path = file(
      'invalid.yaml',
      `providers:
  - { name: a, type: simulated, wieght: 2 }
  - { name: b, type: openai }
  - { name: c, type: openai, model: m, baseUrl: "not a url" }
routes:
  default: { providers: [a, z] }
cache: { enabled: true }
`,
    );
    const result = await run(['check', path]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([
      `${path}: invalid configuration (5 problems)`,
      'providers[0].wieght: unknown key (did you mean "weight"?)',
      'providers[1].model: required for type: openai (the upstream model id)',
      'providers[2].baseUrl: must be an http:// or https:// URL',
      'cache: not supported yet: this version of switchyard has no response caching; remove this key',
      'routes.default.providers[1]: unknown provider "z"',
      '',
    ]);
  });

  it('exits 1 for a missing variable, naming it', async () => {
    const path = file('env.yaml', 'providers:\n  - { name: a, type: openai, model: m, apiKey: "${NOPE_KEY}" }\n');
    const result = await run(['check', path]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('providers[0].apiKey: environment variable NOPE_KEY is not set');
  });

  it('uses the environment it is given', async () => {
    const path = file('env-ok.yaml', 'server: { port: "${PORT}" }\nproviders:\n  - { name: a, type: simulated }\n');
    expect((await run(['check', path], { PORT: '9999' })).code).toBe(0);
    expect((await run(['check', path], { PORT: 'x' })).stderr).toContain('server.port: expected a number, got a string');
  });

  it('exits 1 for a YAML syntax error, with line and column', async () => {
    const path = file('syntax.yaml', 'providers:\n  - [oops\n');
    const result = await run(['check', path]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: invalid YAML: `));
  });

  it('exits 1 for a missing file', async () => {
    const path = join(dir, 'nope.yaml');
    const result = await run(['check', path]);
    expect(result).toEqual({ code: 1, stdout: '', stderr: `${path}: invalid configuration (1 problem)\n${path}: file not found\n` });
  });

  it('never prints a secret', async () => {
    const path = file('secret.yaml', 'server: { adminKey: sk-live-abcdef123456 }\nproviders:\n  - { name: a, type: simulated, apiKey: sk-live-abcdef123456 }\nrules:\n  - { when: {}, route: sk-live-abcdef123456 }\n');
    const result = await run(['check', path]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('providers[0].apiKey: not used by type: simulated');
    expect(result.stderr).not.toContain('sk-live-abcdef123456');
  });

  it.each([
    [['check'], 'switchyard: check: missing FILE'],
    [['check', 'a.yaml', 'b.yaml'], 'switchyard: check: unexpected argument "b.yaml"'],
    [['check', 'a.yaml', '--port', '1'], "switchyard: unknown option '--port'"],
  ])('exits 2 on a usage error: %j', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`${message}\nRun "switchyard --help" for usage.\n`);
  });

  it('writes to the real process streams by default', async () => {
    const path = file('valid2.yaml', VALID);
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['check', path])).toBe(0);
      expect(write).toHaveBeenCalledWith(`${path}: OK, 2 providers, 2 routes\n`);
    } finally {
      write.mockRestore();
    }
  });
});
