/**
 * Where the gateway's CPU per request goes, layer by layer: each server in its own process
 * under the same non-streaming load, alternating over rounds (`npm run bench:layers`).
 * From the floor up: node:http alone; node:http plus the least XState work the
 * architecture asks per request (bench/layer-server.ts); node:http around the engine (simulated provider);
 * the whole gateway on that engine; `switchyard serve` with an openai provider in front of
 * the fake upstream; the bare proxy in front of that upstream, for reference; and the bare
 * proxy making its upstream call as the XState floor's call, the least a proxy built on this
 * architecture costs, and that proxy reading the JSON of the request and the answer with a
 * log line and a counter, the least LLM gateway on it; each compared with the bare proxy
 * round by round.
 * Env: BENCH_REQUESTS (default 20000), BENCH_CONCURRENCY (32), BENCH_ROUNDS (3).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, quantile, spawnServer, type Child } from './harness.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TS = ['--import', 'tsx'];
const body = JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'Hello, how are you today?' }], max_tokens: 32 });

/** User and system CPU time of a process so far, in µs. */
function cpu(pid: number): { user: number; system: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) * 1e4, system: Number(fields[12]) * 1e4 }; // USER_HZ = 100
}

const upstream = await spawnServer([...TS, 'bench/upstream.ts']);
const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
const config = join(dir, 'switchyard.yaml');
writeFileSync(config, JSON.stringify({ providers: [{ name: 'up', type: 'openai', baseUrl: `${upstream.url}/v1`, apiKey: 'sk-bench-0000000000', model: 'bench-model' }] }));
const layer = (name: string, env: Record<string, string> = {}) => spawnServer([...TS, 'bench/layer-server.ts'], { LAYER: name, ...env });
/** Each server, and the row its "added" figure is measured from (none for a reference row). */
const servers: [string, Child, number | undefined][] = [
  ['node:http alone (fixed answer)', await layer('http'), undefined],
  ['node:http + XState floor (one actor, two macrosteps, two events on a long-lived actor)', await layer('xstate'), 0],
  ['node:http + engine.chat (simulated provider)', await layer('engine'), 1],
  ['gateway + engine (simulated provider)', await layer('gateway'), 2],
  ['switchyard serve (openai adapter → upstream)', await spawnServer(['bin/switchyard.js', 'serve', '--config', config, '--port', '0']), 3],
  // With the same V8 setting as the layers it is compared with (layer-server.ts turns pretenuring off).
  ['bare proxy (node:http + undici → upstream)', await spawnServer(['--no-allocation-site-pretenuring', ...TS, 'bench/proxy.ts'], { UPSTREAM_URL: upstream.url }), undefined],
  ['bare proxy + XState floor (its upstream call as the actor\'s call)', await layer('xstate-proxy', { UPSTREAM_URL: upstream.url }), 5],
  ['+ JSON of request and answer, a log line, a counter (the least LLM gateway)', await layer('xstate-gateway', { UPSTREAM_URL: upstream.url }), 6],
];

try {
  for (const [, server] of servers) await load(server.url, body, { concurrency: CONCURRENCY, count: Math.min(3000, REQUESTS), maxSeconds: 20 });
  const rounds: { user: number; system: number; failed: number }[][] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const round = [];
    for (const [, server] of servers) {
      const before = cpu(server.pid);
      const result = await load(server.url, body, { concurrency: CONCURRENCY, count: REQUESTS, maxSeconds: 60 });
      const after = cpu(server.pid);
      round.push({ user: (after.user - before.user) / result.requests, system: (after.system - before.system) / result.requests, failed: result.failed });
    }
    rounds.push(round);
  }
  const median = (values: number[]) => quantile(values, 0.5);
  console.log(`\n${REQUESTS} non-streaming requests per server and round, concurrency ${CONCURRENCY}; ${ROUNDS} rounds, medians; node ${process.version}\n`);
  console.log('| layer | CPU µs/req | user | system | added by this layer | failed |');
  console.log('|---|---:|---:|---:|---:|---:|');
  const totals = servers.map((_, i) => median(rounds.map((round) => round[i]!.user + round[i]!.system)));
  servers.forEach(([name, , base], i) => {
    const user = median(rounds.map((round) => round[i]!.user));
    const system = median(rounds.map((round) => round[i]!.system));
    const failed = rounds.reduce((sum, round) => sum + round[i]!.failed, 0);
    const added = base === undefined ? '' : `+${(totals[i]! - totals[base]!).toFixed(0)}`;
    console.log(`| ${name} | ${totals[i]!.toFixed(0)} | ${user.toFixed(0)} | ${system.toFixed(0)} | ${added} | ${failed} |`);
  });
  // Against the bare proxy, round by round: the floors of a proxy and of a gateway built on this architecture.
  const proxy = servers.length - 3;
  const cpuOf = (round: { user: number; system: number }[], i: number) => round[i]!.user + round[i]!.system;
  for (const [label, i] of [['bare proxy + XState floor', proxy + 1], ['the least LLM gateway', proxy + 2], ['switchyard serve', proxy - 1]] as const) {
    const ratios = rounds.map((round) => cpuOf(round, i) / cpuOf(round, proxy));
    console.log(`${label} against the bare proxy: ${median(ratios).toFixed(2)}x (rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')})`);
  }
} finally {
  await Promise.all([...servers.map(([, server]) => server.stop()), upstream.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
