/**
 * Gateway overhead: the same fake upstream (its own process) behind a bare pass-through
 * proxy (node:http + undici, its own process) and behind `switchyard serve` (its own
 * process, built code). Prints req/s, p50/p99 and each server's CPU time per request for
 * non-streaming load, and time to first byte for streams. `npm run bench:gateway`.
 * Env: BENCH_REQUESTS (default 20000), BENCH_CONCURRENCY (32), BENCH_STREAMS (1000), BENCH_ROUNDS (3).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMicros, load, quantile, spawnServer, type Child } from './harness.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const STREAMS = Number(process.env.BENCH_STREAMS ?? 1000);
const TS = ['--import', 'tsx'];
const body = JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'Hello, how are you today?' }], max_tokens: 32 });
const streamBody = JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'Hello, how are you today?' }], stream: true });

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

interface Round {
  rps: number;
  p50: number;
  p99: number;
  cpuPerReq: number;
  failed: number;
  ttfb50: number;
  ttfb99: number;
}

async function warmUp(server: Child): Promise<void> {
  await load(server.url, body, { concurrency: CONCURRENCY, count: Math.min(3000, REQUESTS), maxSeconds: 20 });
  await load(server.url, streamBody, { concurrency: 1, count: 100, maxSeconds: 20 });
}

async function measure(server: Child): Promise<Round> {
  const cpu0 = cpuMicros(server.pid);
  const result = await load(server.url, body, { concurrency: CONCURRENCY, count: REQUESTS, maxSeconds: 60 });
  const cpu1 = cpuMicros(server.pid);
  const streams = await load(server.url, streamBody, { concurrency: 1, count: STREAMS, maxSeconds: 60 });
  return {
    rps: result.requests / result.seconds,
    p50: quantile(result.latenciesMs, 0.5),
    p99: quantile(result.latenciesMs, 0.99),
    cpuPerReq: (cpu1 - cpu0) / result.requests,
    failed: result.failed + streams.failed,
    ttfb50: quantile(streams.ttfbMs, 0.5),
    ttfb99: quantile(streams.ttfbMs, 0.99),
  };
}

const median = (values: number[]) => quantile(values, 0.5);

const upstream = await spawnServer([...TS, 'bench/upstream.ts']);
const proxy = await spawnServer([...TS, 'bench/proxy.ts'], { UPSTREAM_URL: upstream.url });
const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
const config = join(dir, 'switchyard.yaml');
writeFileSync(config, JSON.stringify({ providers: [{ name: 'up', type: 'openai', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-bench-0000000000', model: 'bench-model' }] }));
const switchyard = await spawnServer(['bin/switchyard.js', 'serve', '--config', config, '--port', '0']);
// The same gateway and engine without upstream IO: separates their cost from the HTTP adapter's.
const simConfig = join(dir, 'simulated.yaml');
writeFileSync(simConfig, JSON.stringify({ providers: [{ name: 'sim', type: 'simulated', latencyMs: 0, tokensPerSecond: 1e9 }] }));
const simulated = await spawnServer(['bin/switchyard.js', 'serve', '--config', simConfig, '--port', '0']);

try {
  const servers: [string, Child][] = [
    ['bare proxy (node:http + undici)', proxy],
    ['switchyard serve (openai adapter → same upstream)', switchyard],
    ['switchyard serve, simulated provider (no upstream IO)', simulated],
  ];
  for (const [, server] of servers) await warmUp(server);
  // Rounds alternate the servers, so that a slow spell of this shared machine hits them all;
  // each figure is the median over rounds, and each ratio is taken within a round.
  const rounds: Round[][] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const round: Round[] = [];
    for (const [, server] of servers) round.push(await measure(server));
    rounds.push(round);
  }
  const f = (n: number, d = 1) => n.toFixed(d);
  const of = (i: number, key: keyof Round) => median(rounds.map((round) => round[i]![key]));
  console.log(`\nnon-streaming: ${REQUESTS} requests, concurrency ${CONCURRENCY}; streaming TTFB: ${STREAMS} sequential streams; ${ROUNDS} rounds, medians; node ${process.version}\n`);
  console.log('| server | req/s | p50 ms | p99 ms | CPU µs/req | failed | stream TTFB p50 ms | p99 ms |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
  servers.forEach(([name], i) => {
    const failed = rounds.reduce((sum, round) => sum + round[i]!.failed, 0);
    console.log(`| ${name} | ${f(of(i, 'rps'), 0)} | ${f(of(i, 'p50'), 2)} | ${f(of(i, 'p99'), 2)} | ${f(of(i, 'cpuPerReq'), 0)} | ${failed} | ${f(of(i, 'ttfb50'), 3)} | ${f(of(i, 'ttfb99'), 3)} |`);
  });
  const ratios = rounds.map((round) => round[1]!.cpuPerReq / round[0]!.cpuPerReq);
  const overheads = rounds.map((round) => round[1]!.ttfb50 - round[0]!.ttfb50);
  const failed = rounds.reduce((sum, round) => sum + round[0]!.failed + round[1]!.failed, 0);
  console.log(`\nCPU per request: ${f(median(ratios), 2)}× the bare proxy (rounds: ${ratios.map((x) => f(x, 2)).join(', ')}; target ≤ 2×)`);
  console.log(`streaming TTFB overhead at p50: ${f(median(overheads), 3)} ms (rounds: ${overheads.map((x) => f(x, 3)).join(', ')}; target ≤ 1 ms); failed: ${failed} (target 0)`);
} finally {
  await Promise.all([switchyard.stop(), simulated.stop(), proxy.stop(), upstream.stop()]);
}
