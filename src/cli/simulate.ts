/** `switchyard simulate SCENARIO`: replays an outage scenario in virtual time (CONTRACT §5). */
import { accessSync, constants, existsSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../core/errors.js';
import type { Incident } from '../config/types.js';
import { renderChart } from '../sim/chart.js';
import { formatComparison, formatSummary, progressLine } from '../sim/human.js';
import { runScenario } from '../sim/run.js';
import { loadScenario, type Scenario } from '../sim/scenario.js';
import type { SimulateOptions } from './args.js';
import type { CliIO } from './io.js';

/**
 * Runs the scenario and prints its report; resolves with the exit code: 0 when it ran,
 * 1 for an invalid scenario (each problem as `path: message` on stderr).
 * With `--json`, stdout holds exactly one JSON report; with `--compare naive` that report
 * has a `naive` member holding the baseline's report.
 */
export async function runSimulate(options: SimulateOptions, io: CliIO): Promise<number> {
  let scenario: Scenario;
  try {
    scenario = loadScenario(options.scenario, io.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    io.stderr(`${options.scenario}: invalid scenario (${error.issues.length} problem${error.issues.length === 1 ? '' : 's'})\n`);
    for (const issue of error.issues) io.stderr(`${issue}\n`);
    return 1;
  }
  // A chart that cannot be written is found out now, not after a long run.
  if (options.chart !== undefined) {
    const problem = unwritable(options.chart);
    if (problem !== undefined) {
      io.stderr(`--chart ${options.chart}: ${problem}\n`);
      return 1;
    }
  }
  const showProgress = io.isTTY && !options.json;
  const seed = options.seed ?? scenario.seed;
  const run = async (policy: 'switchyard' | 'naive') => {
    const label = `simulating ${scenario.name} (${policy})`;
    const started = performance.now(); // real-time: the wall time the report prints, not engine time
    let shown = -1;
    const onProgress = (done: number) => {
      const percent = Math.floor(done * 100);
      if (percent === shown) return;
      shown = percent;
      io.stderr(progressLine(label, done));
    };
    const result = await runScenario(scenario, { seed, policy, ...(showProgress ? { onProgress } : {}) });
    if (showProgress) io.stderr('\n');
    return { result, wallS: (performance.now() - started) / 1000 }; // real-time
  };

  const ours = await run('switchyard');
  const naive = options.compare === 'naive' ? await run('naive') : undefined;
  if (options.chart !== undefined) {
    writeFileSync(options.chart, renderChart(ours.result, { title: chartTitle(scenario, seed), durationS: scenario.durationS, incidents: incidentsOf(scenario), naive: naive?.result }));
  }
  if (options.json) {
    const report = naive === undefined ? ours.result.report : { ...ours.result.report, naive: naive.result.report };
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  io.stdout(formatSummary(ours.result.report, ours.wallS));
  if (naive !== undefined) {
    io.stdout(`\n${formatSummary(naive.result.report, naive.wallS)}`);
    io.stdout(formatComparison(ours.result.report, naive.result.report));
  }
  if (options.chart !== undefined) io.stdout(`\nchart written to ${options.chart}\n`);
  return 0;
}

function chartTitle(scenario: Scenario, seed: number): string {
  return `${scenario.name}: ${scenario.description ?? 'outage simulation'} (seed ${seed})`;
}

/** Every simulated provider's incidents (the scenario's are merged into them). */
function incidentsOf(scenario: Scenario): Map<string, Incident[]> {
  return new Map(scenario.config.providers.map((provider) => [provider.name, provider.simulated?.incidents ?? []]));
}

/** Why `path` cannot be written, or `undefined` when it can (its folder exists and is writable). */
function unwritable(path: string): string | undefined {
  const folder = dirname(resolve(path));
  try {
    if (!statSync(folder).isDirectory()) return `${folder} is not a folder`;
    accessSync(folder, constants.W_OK);
    if (existsSync(path) && statSync(path).isDirectory()) return 'is a folder';
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `the folder ${folder} does not exist` : code === 'EACCES' ? `the folder ${folder} is not writable` : String(error);
  }
}
