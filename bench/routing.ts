/**
 * Engine overhead per routed request in library mode, against a zero-latency simulated
 * provider, for 3, 100 and 1000 providers. Baseline in the same run: the same adapter
 * called directly. Prints a table; run with `npm run bench:routing` (it measures the built
 * code in dist/, as production runs it: a TypeScript loader adds its own overhead).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createSwitchyard } from '../dist/src/engine/switchyard.js';
import { createSimulatedAdapter } from '../dist/src/providers/simulated/index.js';
import { createRealClock } from '../dist/src/core/clock.js';
import type { ChatRequest } from '../dist/src/core/types.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const ROUNDS = 5;
const SIZES = [3, 100, 1000];
const request: ChatRequest = { messages: [{ role: 'user', content: 'Hello there' }] };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeLoop(count: number, call: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await call();
  return Number(process.hrtime.bigint() - start) / 1000 / count;
}

async function measureDirect(): Promise<number> {
  const clock = createRealClock();
  const adapter = createSimulatedAdapter(
    { name: 'p0', type: 'simulated', baseUrl: undefined, apiKey: undefined, model: 'p0', headers: {}, options: { latencyMs: 0, failureRate: 0, tokensPerSecond: 1000, incidents: [] } },
    { clock, fetch: globalThis.fetch, seed: 1, startedAt: clock.now() },
  );
  const context = { signal: new AbortController().signal, clock, requestId: 'bench' };
  await timeLoop(2000, () => adapter.chat(request, context));
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(await timeLoop(REQUESTS, () => adapter.chat(request, context)));
  return median(rounds);
}

async function measureEngine(size: number): Promise<number> {
  const names = Array.from({ length: size }, (_, i) => `p${i}`);
  const engine = createSwitchyard({
    providers: names.map((name, i) => ({ name, type: 'simulated', latencyMs: 0, priority: (i % 10) + 1 })),
    routes: { default: { providers: names, strategy: 'priority' } },
    seed: 1,
  });
  await timeLoop(2000, () => engine.chat(request));
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(await timeLoop(REQUESTS, () => engine.chat(request)));
  await engine.stop();
  return median(rounds);
}

/**
 * One measurement per child process, so the V8 settings can differ: pretenuring off, as the
 * `switchyard` command runs and as a library user gets it by asking (here through
 * `SWITCHYARD_V8_PRETENURING=off`, which the engine applies when it is created:
 * src/engine/v8-settings.ts); and Node's defaults, as a library user who does not ask runs.
 */
const SETTINGS: { label: string; env: Record<string, string> }[] = [
  { label: 'pretenuring off (the command; a library that asks)', env: { SWITCHYARD_V8_PRETENURING: 'off' } },
  { label: "Node's defaults (a library that does not ask)", env: { SWITCHYARD_V8_PRETENURING: '' } },
];

if (process.argv[2] === '--child') {
  // Engines first: a service creates its engine at start-up, and a V8 setting it asks for
  // applies from then on (V8 never revisits a site it already decided to pretenure).
  const engine: number[] = [];
  for (const size of SIZES) engine.push(await measureEngine(size));
  const direct = await measureDirect();
  process.stdout.write(JSON.stringify({ direct, engine }));
} else {
  const header = ['V8 setting', 'providers', 'engine µs/req', 'direct adapter µs/req', 'overhead µs/req', 'overhead vs 3'];
  const rows: string[][] = [];
  for (const setting of SETTINGS) {
    const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child'], {
      encoding: 'utf8',
      env: { ...process.env, ...setting.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (child.status !== 0) throw new Error(`the ${setting.label} run failed (exit ${child.status})`);
    const { direct, engine } = JSON.parse(child.stdout) as { direct: number; engine: number[] };
    const base = engine[0]! - direct;
    SIZES.forEach((size, i) => {
      const overhead = engine[i]! - direct;
      rows.push([i === 0 ? setting.label : '', String(size), engine[i]!.toFixed(1), direct.toFixed(1), overhead.toFixed(1), (overhead / base).toFixed(2)]);
    });
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  console.log(`routing overhead, ${REQUESTS} sequential requests x ${ROUNDS} rounds (median), node ${process.version}`);
  console.log(line(header));
  console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
  for (const row of rows) console.log(line(row));
}
