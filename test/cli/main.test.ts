import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseArgv, type Command } from '../../src/cli/args.js';
import { run } from './helpers.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('parseArgv', () => {
  it.each<[string[], Command]>([
    [['check', 'x.yaml'], { kind: 'check', file: 'x.yaml', debug: false }],
    [['--debug', 'check', 'x.yaml'], { kind: 'check', file: 'x.yaml', debug: true }],
    [['check', '--config', 'x.yaml'], { kind: 'check', file: 'x.yaml', debug: false }],
    [['check', '-c', 'x.yaml', '--debug'], { kind: 'check', file: 'x.yaml', debug: true }],
    [['serve'], { kind: 'serve', options: { config: undefined, host: undefined, port: undefined, inspect: false, debug: false } }],
    [
      ['serve', '--config', 'c.yaml', '--host', '0.0.0.0', '--port', '0', '--inspect', '--debug'],
      { kind: 'serve', options: { config: 'c.yaml', host: '0.0.0.0', port: 0, inspect: true, debug: true } },
    ],
    [['serve', '-c', 'c.yaml', '-p', '8081'], { kind: 'serve', options: { config: 'c.yaml', host: undefined, port: 8081, inspect: false, debug: false } }],
    [['simulate', 's.yaml'], { kind: 'simulate', options: { scenario: 's.yaml', json: false, seed: undefined, chart: undefined, compare: undefined, debug: false } }],
    [
      ['simulate', 's.yaml', '--json', '--seed', '42', '--chart', 'out.svg', '--compare', 'naive'],
      { kind: 'simulate', options: { scenario: 's.yaml', json: true, seed: 42, chart: 'out.svg', compare: 'naive', debug: false } },
    ],
    [['simulate', '--seed=-3', 's.yaml'], { kind: 'simulate', options: { scenario: 's.yaml', json: false, seed: -3, chart: undefined, compare: undefined, debug: false } }],
    [['simulate', 's.yaml', '--seed', '-3'], { kind: 'simulate', options: { scenario: 's.yaml', json: false, seed: -3, chart: undefined, compare: undefined, debug: false } }],
    [['--help'], { kind: 'help', topic: undefined }],
    [['serve', '--help'], { kind: 'help', topic: 'serve' }],
    [['help', 'simulate'], { kind: 'help', topic: 'simulate' }],
    [['--version'], { kind: 'version' }],
    [['-v'], { kind: 'version' }],
  ])('%j', (argv, expected) => {
    expect(parseArgv(argv)).toEqual(expected);
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['toString'], 'unknown command "toString"'],
    [['--debug'], 'missing command'],
    [['--nope'], "unknown option '--nope'"],
    [['serve', '--port', 'http'], '--port: expected an integer from 0 to 65535, got "http"'],
    [['serve', '--port', '65536'], '--port: expected an integer from 0 to 65535, got "65536"'],
    [['serve', '--port'], "option '-p, --port <value>' argument missing"],
    [['serve', '--host', ''], '--host: expected a value'],
    [['serve', 'extra'], 'serve: unexpected argument "extra"'],
    [['serve', '--json'], "unknown option '--json'"],
    [['check', 'a.yaml', '--config', 'b.yaml'], 'check: give the file once, as FILE or as --config FILE'],
    [['simulate'], 'simulate: missing SCENARIO'],
    [['simulate', 's.yaml', '--seed', '1.5'], '--seed: expected an integer, got "1.5"'],
    [['simulate', 's.yaml', '--chart', 'out.png'], '--chart: expected a file name ending in .svg'],
    [['simulate', 's.yaml', '--compare', 'smart'], '--compare: expected "naive", got "smart"'],
    [['simulate', 's.yaml', '--json=yes'], "option '--json' does not take an argument"],
  ])('rejects %j', (argv, message) => {
    expect(() => parseArgv(argv)).toThrow(message);
  });
});

describe('main', () => {
  it('prints the version', async () => {
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('prints help on stdout with --help and exits 0', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: switchyard <command> [options]');
    expect(result.stdout).toContain('check FILE');
  });

  it('prints one command\'s help', async () => {
    const result = await run(['simulate', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: switchyard simulate SCENARIO [--json] [--seed N] [--chart FILE.svg] [--compare naive]');
  });

  it('prints help on stderr and exits 2 without arguments', async () => {
    const result = await run([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('Usage: switchyard <command> [options]');
  });

  it('exits 2 on an unknown command', async () => {
    expect(await run(['deploy'])).toEqual({ code: 2, stdout: '', stderr: 'switchyard: unknown command "deploy"\nRun "switchyard --help" for usage.\n' });
  });

  it('serve with a configuration that cannot be loaded: exit 1, no stack trace', async () => {
    const result = await run(['serve', '--config', '/nonexistent/switchyard.yaml']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('/nonexistent/switchyard.yaml: invalid configuration (1 problem)\n/nonexistent/switchyard.yaml: file not found\n');
  });

  it('serve names the configuration file it refuses, also the implicit ./switchyard.yaml', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-cwd-'));
    const cwd = process.cwd();
    try {
      writeFileSync(join(dir, 'switchyard.yaml'), 'providers:\n  - {name: a, type: simulatd}\n');
      process.chdir(dir);
      const result = await run(['serve', '--port', '0']);
      expect(result.code).toBe(1);
      expect(result.stderr.split('\n')[0]).toBe('switchyard.yaml: invalid configuration (1 problem)');
      expect(result.stderr).toContain('providers[0].type');
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the refused file with --debug too, and adds the stack', async () => {
    const result = await run(['serve', '--config', '/nonexistent/switchyard.yaml', '--debug']);
    expect(result.stderr.split('\n')[0]).toBe('/nonexistent/switchyard.yaml: invalid configuration (1 problem)');
    expect(result.stderr).toMatch(/\n\s+at /);
  });

  it('takes help followed by an option as help', async () => {
    expect((await run(['help', '--debug'])).code).toBe(0);
  });

  it('exits 2 for help on an unknown command', async () => {
    const result = await run(['help', 'bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('help: unknown command "bogus"');
  });

  it('prints the stack trace with --debug', async () => {
    const result = await run(['serve', '--config', '/nonexistent/switchyard.yaml', '--debug']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('file not found');
    expect(result.stderr).toMatch(/\n\s+at /);
  });
});
