/**
 * Why the engine costs more inside a server than in `bench:routing`'s loop: what runs
 * between two requests. Each request is timed alone (`engine.chat()` from call to answer,
 * and the same simulated adapter called directly, as the baseline), with, between requests:
 * nothing (the tight loop of `bench:routing`); a 50 µs busy wait (the core stays busy, little
 * else touched); the thread asleep for 50 µs or 1 ms (as a server waits for its next request:
 * the core idles); or a walk over 2 MB of memory (as the HTTP and socket work of a server
 * evicts the caches). Prints a table; run with `npm run bench:idle`.
 * Env: BENCH_REQUESTS (default 10000 per cell), BENCH_ROUNDS (3, medians).
 */
import { createSwitchyard } from '../dist/src/engine/switchyard.js';
import { createSimulatedAdapter } from '../dist/src/providers/simulated/index.js';
import { createRealClock } from '../dist/src/core/clock.js';
import type { ChatRequest } from '../dist/src/core/types.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const request: ChatRequest = { messages: [{ role: 'user', content: 'Hello, how are you today?' }], maxTokens: 32 };

const sleeper = new Int32Array(new SharedArrayBuffer(4));
const memory = new Float64Array(256 * 1024); // 2 MB, the size of this machine's L2 cache
let sink = 0;
const GAPS: { label: string; run: () => void }[] = [
  { label: 'nothing (tight loop)', run: () => {} },
  { label: 'busy wait 50 µs', run: () => spin(50_000n) },
  { label: 'asleep 50 µs', run: () => Atomics.wait(sleeper, 0, 0, 0.05) },
  { label: 'asleep 1 ms', run: () => Atomics.wait(sleeper, 0, 0, 1) },
  { label: 'walk 2 MB of memory', run: () => { for (let i = 0; i < memory.length; i += 8) sink += memory[i]! += 1; } },
];

function spin(ns: bigint): void {
  const end = process.hrtime.bigint() + ns;
  while (process.hrtime.bigint() < end);
}

/** Mean µs per call of `call`, timed alone, with `gap` run before each. */
async function timed(gap: () => void, call: () => Promise<unknown>): Promise<number> {
  let total = 0n;
  for (let i = 0; i < REQUESTS; i++) {
    gap();
    const start = process.hrtime.bigint();
    await call();
    total += process.hrtime.bigint() - start;
  }
  return Number(total) / 1000 / REQUESTS;
}

const clock = createRealClock();
const adapter = createSimulatedAdapter(
  { name: 'sim', type: 'simulated', baseUrl: undefined, apiKey: undefined, model: 'sim', headers: {}, options: { latencyMs: 0, failureRate: 0, tokensPerSecond: 1e9, incidents: [] } },
  { clock, fetch: globalThis.fetch, seed: 1, startedAt: clock.now() },
);
const context = { signal: new AbortController().signal, clock, requestId: 'bench' };
const engine = createSwitchyard({ providers: [{ name: 'sim', type: 'simulated', latencyMs: 0, tokensPerSecond: 1e9 }], seed: 1 });
const direct = () => adapter.chat(request, context);
const routed = () => engine.chat(request);
await timed(GAPS[0]!.run, direct);
await timed(GAPS[0]!.run, routed);

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const results = GAPS.map(() => ({ engine: [] as number[], direct: [] as number[] }));
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, gap] of GAPS.entries()) {
    results[i]!.direct.push(await timed(gap.run, direct));
    results[i]!.engine.push(await timed(gap.run, routed));
  }
}
await engine.stop();

console.log(`engine.chat() timed alone, ${REQUESTS} requests per cell, ${ROUNDS} rounds (medians), node ${process.version}, execArgv ${process.execArgv.filter((a) => a.startsWith('--') && a !== '--import').join(' ') || 'none'}`);
console.log('| between two requests | engine µs/req | direct adapter µs/req | overhead µs/req | overhead vs tight loop |');
console.log('|---|---:|---:|---:|---:|');
const base = median(results[0]!.engine) - median(results[0]!.direct);
for (const [i, gap] of GAPS.entries()) {
  const engineUs = median(results[i]!.engine);
  const directUs = median(results[i]!.direct);
  console.log(`| ${gap.label} | ${engineUs.toFixed(1)} | ${directUs.toFixed(1)} | ${(engineUs - directUs).toFixed(1)} | ${((engineUs - directUs) / base).toFixed(2)}× |`);
}
if (sink === -1) console.log(sink);
