/**
 * Simulator speed and memory: every example scenario at full length, one simulated hour at
 * 100 rps, and the simulator alone (a stub engine that answers after a timer), so the
 * table separates the simulator's cost from the engine's. Run with
 * `npm run bench:simulate` (builds, then measures the compiled code; add `-- --quick` to skip the long runs).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig } from '../dist/src/config/load.js';
import { createRandom } from '../dist/src/core/random.js';
import type { EngineEvents } from '../dist/src/engine/events.js';
import type { SwitchyardOptions } from '../dist/src/engine/switchyard.js';
import { runScenario, type SimulatedEngine } from '../dist/src/sim/run.js';
import { loadScenario, parseScenario, type Scenario } from '../dist/src/sim/scenario.js';

const quick = process.argv.includes('--quick');
const dir = join(import.meta.dirname, '../examples/scenarios');
const MB = 1024 * 1024;

/** One simulated hour at 100 rps: 360,000 requests through three providers and four incidents. */
const hour = parseScenario(
  {
    seed: 1,
    durationS: 3600,
    config: {
      providers: [
        { name: 'primary', type: 'simulated', priority: 1, latencyMs: { p50: 400, p99: 1500 }, pricing: { inputPerMTok: 2.5, outputPerMTok: 10 } },
        { name: 'secondary', type: 'simulated', priority: 2, latencyMs: { p50: 600, p99: 2000 }, pricing: { inputPerMTok: 3, outputPerMTok: 15 } },
        { name: 'local', type: 'simulated', priority: 3, latencyMs: { p50: 900, p99: 3000 }, pricing: { inputPerMTok: 0.2, outputPerMTok: 0.6 } },
      ],
    },
    traffic: { rps: 100, streamRatio: 0.3, inputTokens: 500, outputTokens: 200 },
    incidents: [
      { provider: 'primary', at: 600, for: 300, mode: 'error' },
      { provider: 'secondary', at: 1500, for: 300, mode: 'rate_limit', retryAfterS: 10 },
      { provider: 'primary', at: 2400, for: 120, mode: 'timeout' },
      { provider: 'primary', at: 3000, for: 300, mode: 'flaky', failureRate: 0.3 },
    ],
  },
  { name: 'hour-at-100-rps', env: {} },
);

/** A stand-in engine: each request answers after a seeded 200–600 ms timer. Measures the simulator alone. */
function stubEngine(config: unknown, options: SwitchyardOptions): SimulatedEngine {
  const clock = options.clock!;
  const parsed = parseConfig(config, {});
  const random = createRandom(7);
  const listeners: { [K in keyof EngineEvents]?: (event: EngineEvents[K]) => void } = {};
  let inFlight = 0;
  let n = 0;
  const names = parsed.providers.map((p) => p.name);
  const answer = (stream: boolean) =>
    new Promise<void>((resolve) => {
      inFlight += 1;
      const startedAt = clock.now();
      const provider = names[n++ % names.length]!;
      clock.setTimeout(() => {
        inFlight -= 1;
        const latencyMs = clock.now() - startedAt;
        listeners['request.finished']?.({
          requestId: String(n), route: 'default', provider, answered: true, status: 'ok', attempts: [{ provider, kind: 'ok', status: 200, latencyMs }],
          inputTokens: 500, outputTokens: 200, costUsd: 0.001, latencyMs, stream, cacheHit: false, errorMessage: undefined, warnings: undefined, at: clock.now(),
        });
        resolve();
      }, 200 + random() * 400);
    });
  return {
    config: parsed,
    get inFlight() {
      return inFlight;
    },
    chat: (() => answer(false)) as unknown as SimulatedEngine['chat'],
    stream: (() => ({ async *[Symbol.asyncIterator]() { await answer(true); } })) as unknown as SimulatedEngine['stream'],
    on: ((name: keyof EngineEvents, listener: never) => {
      listeners[name] = listener;
      return () => undefined;
    }) as SimulatedEngine['on'],
    providers: (() => names.map((name) => ({ name, state: 'healthy' }))) as unknown as SimulatedEngine['providers'],
    stop: async () => undefined,
  };
}

interface Row {
  name: string;
  requests: number;
  simulatedS: number;
  wallS: number;
  rss: number[];
  heapEnd: number;
}

async function measure(name: string, scenario: Scenario, stub = false): Promise<Row> {
  globalThis.gc?.();
  const rss: number[] = [process.memoryUsage().rss];
  let nextSample = 0.1;
  const started = performance.now();
  const { report } = await runScenario(scenario, {
    onProgress: (done) => {
      if (done >= nextSample) {
        rss.push(process.memoryUsage().rss);
        nextSample += 0.1;
      }
    },
    ...(stub ? { createEngine: stubEngine } : {}),
  });
  const wallS = (performance.now() - started) / 1000;
  rss.push(process.memoryUsage().rss);
  globalThis.gc?.();
  return { name, requests: report.requests, simulatedS: scenario.durationS, wallS, rss, heapEnd: process.memoryUsage().heapUsed };
}

const rows: Row[] = [];
const examples = readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
for (const file of examples) {
  const scenario = loadScenario(join(dir, file), {});
  if (quick && scenario.durationS > 600) continue;
  rows.push(await measure(file.replace('.yaml', ''), scenario));
}
rows.push(await measure('simulator alone (stub engine), 1 h at 100 rps', hour, true));
if (!quick) rows.push(await measure('1 h at 100 rps (full engine)', hour));

const header = ['run', 'simulated requests', 'simulated s', 'wall s', 'simulated req / wall s', 'µs wall / req', 'RSS start MB', 'RSS 10% MB', 'RSS end MB', 'heap end MB'];
const table = rows.map((r) => [
  r.name,
  r.requests.toLocaleString('en-US'),
  r.simulatedS.toLocaleString('en-US'),
  r.wallS.toFixed(1),
  Math.round(r.requests / r.wallS).toLocaleString('en-US'),
  ((r.wallS * 1e6) / r.requests).toFixed(0),
  (r.rss[0]! / MB).toFixed(0),
  (r.rss[Math.min(1, r.rss.length - 1)]! / MB).toFixed(0),
  (r.rss.at(-1)! / MB).toFixed(0),
  (r.heapEnd / MB).toFixed(0),
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
console.log(`switchyard simulate, node ${process.version}, ${globalThis.gc === undefined ? 'no --expose-gc' : 'gc between runs'}`);
console.log(line(header));
console.log(`|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const row of table) console.log(line(row));
