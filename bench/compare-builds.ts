/**
 * Two builds of the engine in one process, timed in alternating rounds: the fair way to tell
 * whether a change moved `bench:routing`'s figure on a noisy machine (separate processes
 * differ by more than most changes do). Each argument is a checkout whose `dist/` is built
 * (`git archive <commit> | tar -x -C /tmp/base`, link `node_modules`, `npx tsc -p tsconfig.build.json`);
 * both resolve the same XState, so only Switchyard's code differs.
 *
 *   npx tsx bench/compare-builds.ts /tmp/base .        # Node's defaults
 *   node --no-allocation-site-pretenuring --import tsx bench/compare-builds.ts /tmp/base .
 *
 * Env: BENCH_REQUESTS per round (default 10000), BENCH_ROUNDS per build (default 10).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

type Engine = { chat(request: unknown): Promise<unknown>; stop(): Promise<void> };

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const dirs = process.argv.slice(2);
if (dirs.length !== 2) throw new Error('usage: compare-builds.ts <checkout A> <checkout B>');
const request = { messages: [{ role: 'user', content: 'Hello there' }] };
const names = ['p0', 'p1', 'p2'];

async function load(dir: string): Promise<Engine> {
  const url = pathToFileURL(resolve(dir, 'dist/src/engine/switchyard.js')).href;
  const { createSwitchyard } = (await import(url)) as { createSwitchyard(config: unknown): Engine };
  return createSwitchyard({
    providers: names.map((name, i) => ({ name, type: 'simulated', latencyMs: 0, priority: i + 1 })),
    routes: { default: { providers: names, strategy: 'priority' } },
    seed: 1,
  });
}

async function timeLoop(engine: Engine, count: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await engine.chat(request);
  return Number(process.hrtime.bigint() - start) / 1000 / count;
}

const engines = [await load(dirs[0]!), await load(dirs[1]!)];
for (const engine of engines) await timeLoop(engine, 3000);
const rounds: number[][] = [[], []];
for (let r = 0; r < ROUNDS; r++) {
  // Alternate which build goes first, so neither always runs on a warmer machine.
  const order = r % 2 === 0 ? [0, 1] : [1, 0];
  for (const i of order) rounds[i]!.push(await timeLoop(engines[i]!, REQUESTS));
}
for (const engine of engines) await engine.stop();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(`engine µs per request, 3 providers, ${ROUNDS} alternating rounds x ${REQUESTS} requests, node ${process.version}`);
console.log('| build | median | rounds |');
console.log('|---|---:|---|');
dirs.forEach((dir, i) => console.log(`| ${dir} | ${median(rounds[i]!).toFixed(1)} | ${rounds[i]!.map((v) => v.toFixed(0)).join(', ')} |`));
