/** `switchyard simulate` through the CLI entry point: outputs, exit codes, the chart. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { processIO } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { run } from '../cli/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sy-sim-cli-'));
const scenario = join(dir, 'small.yaml');
writeFileSync(
  scenario,
  `description: a small outage
seed: 9
durationS: 120
config:
  providers:
    - { name: main, type: simulated, latencyMs: 300, pricing: { inputPerMTok: 1, outputPerMTok: 2 } }
    - { name: backup, type: simulated, latencyMs: 500, priority: 2 }
traffic: { rps: 5, streamRatio: 0.5, inputTokens: 100, outputTokens: 50 }
incidents:
  - { provider: main, at: 30, for: 30, mode: error }
`,
);

describe('switchyard simulate', () => {
  it('--json prints exactly one JSON report and nothing else', async () => {
    const result = await run(['simulate', scenario, '--json']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ scenario: 'small', seed: 9, policy: 'switchyard', failed: 0 });
    for (const key of ['requests', 'succeeded', 'failed', 'errorRate', 'latencyMs', 'attempts', 'costUsd', 'byProvider']) expect(report).toHaveProperty(key);
    expect(Object.keys(report.latencyMs)).toEqual(['p50', 'p95', 'p99']);
    expect(report.attempts).toMatchObject({ total: expect.any(Number), wasted: expect.any(Number) });
    const main = report.byProvider.main;
    for (const key of ['requests', 'successes', 'failures', 'share', 'costUsd', 'timeInStateS', 'transitions']) expect(main).toHaveProperty(key);
    expect(Object.keys(main.timeInStateS)).toEqual(['healthy', 'degraded', 'open', 'half_open', 'rate_limited', 'disabled']);
    expect(main.transitions[0]).toEqual({ atS: expect.any(Number), from: 'healthy', to: 'open' });
    // Cost follows the traffic's sizes: 100 input and 50 output tokens per answer.
    expect(main.costUsd).toBeCloseTo(main.successes * (100 * 1 + 50 * 2) / 1e6, 6);
  });

  it('--seed overrides the scenario seed; the same seed prints the same report', async () => {
    const a = await run(['simulate', scenario, '--json', '--seed', '5']);
    const b = await run(['simulate', scenario, '--json', '--seed', '5']);
    expect(JSON.parse(a.stdout).seed).toBe(5);
    expect(a.stdout).toBe(b.stdout);
  });

  it('--compare naive adds the baseline report (JSON) or a side-by-side table (human)', async () => {
    const json = await run(['simulate', scenario, '--json', '--compare', 'naive']);
    const report = JSON.parse(json.stdout);
    expect(report.naive.policy).toBe('naive');
    expect(report.naive.attempts.wasted).toBeGreaterThan(report.attempts.wasted);
    const human = await run(['simulate', scenario, '--compare', 'naive']);
    expect(human.stdout).toContain('Compared with the naive policy');
    expect(human.stdout).toMatch(/wasted upstream calls\s+\d+\s+[\d,]+\s+(\d+(\.\d)?×|\+\d+%) \(worse\)/);
  });

  it('prints a summary table and the transitions for a human', async () => {
    const result = await run(['simulate', scenario]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(''); // no progress bar off a terminal
    expect(result.stdout).toMatch(/provider\s+calls\s+share\s+failures\s+healthy\s+degraded\s+open\s+half_open\s+rate_limited\s+disabled\s+cost/);
    expect(result.stdout).toMatch(/^\s+main\s+[\d,]+\s+[\d.]+%/m);
    expect(result.stdout).toMatch(/main: [\d:.]+s? healthy→open/);
  });

  it('--chart writes one SVG with a band per provider, the traffic share and the error rate', async () => {
    const chart = join(dir, 'out.svg');
    const result = await run(['simulate', scenario, '--json', '--chart', chart, '--compare', 'naive']);
    expect(result.code).toBe(0);
    JSON.parse(result.stdout);
    const svg = readFileSync(chart, 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    for (const label of ['main', 'backup', 'provider state', 'traffic share', 'client errors', 'half open', 'rate limited', 'naive policy']) {
      expect(svg).toContain(label);
    }
    expect(svg.trim().endsWith('</svg>')).toBe(true);
  });

  it('a bad scenario exits 1 with each problem and its path', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'durationS: -1\nconfig: { providers: [{ name: a, type: simulated }] }\ntraffic: { rps: 1, strem: 0.5 }\nincidents:\n  - { provider: x, at: 1, for: 1, mode: error }\n');
    const result = await run(['simulate', bad]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('durationS: must be greater than 0');
    expect(result.stderr).toContain('traffic.strem: unknown key');
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
    writeFileSync(bad, 'durationS: 10\nconfig: { providers: [{ name: a, type: simulated }] }\ntraffic: { rps: 1 }\nincidents:\n  - { provider: x, at: 1, for: 1, mode: error }\n');
    const unknown = await run(['simulate', bad]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("incidents[0].provider: unknown provider 'x'");
    const missing = await run(['simulate', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('nope.yaml: file not found');
  });

  it('draws a progress bar on a terminal (stderr), then the summary', async () => {
    let stdout = '';
    let stderr = '';
    const code = await main(['simulate', scenario], { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: {}, isTTY: true });
    expect(code).toBe(0);
    expect(stderr).toMatch(/\rsimulating small \(switchyard\) \[#+\.*\]\s+\d+%/);
    expect(stderr).toContain('[##############################] 100%');
    expect(stdout).toContain('Scenario small');
  });

  it('the progress bar follows whether stderr, where it is drawn, is a terminal (not stdout)', () => {
    const saved = { out: process.stdout.isTTY, err: process.stderr.isTTY };
    try {
      Object.assign(process.stdout, { isTTY: true });
      Object.assign(process.stderr, { isTTY: undefined });
      expect(processIO().isTTY).toBe(false);
      Object.assign(process.stdout, { isTTY: undefined });
      Object.assign(process.stderr, { isTTY: true });
      expect(processIO().isTTY).toBe(true);
    } finally {
      Object.assign(process.stdout, { isTTY: saved.out });
      Object.assign(process.stderr, { isTTY: saved.err });
    }
  });

  it('refuses a chart it could not write before simulating: exit 1, nothing on stdout', async () => {
    const result = await run(['simulate', scenario, '--chart', '/nonexistent/folder/x.svg']);
    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toBe('--chart /nonexistent/folder/x.svg: the folder /nonexistent/folder does not exist\n');
  });

  it('usage errors exit 2', async () => {
    expect((await run(['simulate'])).code).toBe(2);
    expect((await run(['simulate', scenario, '--chart', 'x.png'])).code).toBe(2);
  });
});
