/**
 * Soak: a steady request rate for five minutes against `switchyard serve` in front of a
 * flapping upstream (500s, 429s and hangs for 4 s of every 10 s) and a steady one. Every
 * request must end in a 200 or a contract error (429/502/503/504), none may be lost, and
 * memory must stay flat. `npm run bench:soak`; env SOAK_SECONDS (300), SOAK_RPS (50).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { rssMb, spawnServer } from './harness.js';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 300);
const RPS = Number(process.env.SOAK_RPS ?? 50);
const CONTRACT = new Set([200, 429, 502, 503, 504]);
const TS = ['--import', 'tsx'];

const flapping = await spawnServer([...TS, 'bench/upstream.ts'], { FLAP_PERIOD_MS: '10000', FLAP_DOWN_MS: '4000' });
const steady = await spawnServer([...TS, 'bench/upstream.ts']);
const dir = mkdtempSync(join(tmpdir(), 'switchyard-soak-'));
const config = join(dir, 'switchyard.json');
writeFileSync(
  config,
  JSON.stringify({
    log: { level: process.env.SOAK_LOG === undefined ? 'warn' : 'info' },
    providers: [
      { name: 'flappy', type: 'openai', baseUrl: `${flapping.url}/v1`, apiKey: 'sk-soak-0000000000', model: 'm', priority: 1, timeoutMs: 500 },
      { name: 'steady', type: 'openai', baseUrl: `${steady.url}/v1`, apiKey: 'sk-soak-0000000000', model: 'm', priority: 2, timeoutMs: 2000 },
    ],
    health: { cooldownMs: 2000, maxCooldownMs: 8000 },
    routing: { deadlineMs: 10000 },
  }),
);
const switchyard = await spawnServer(['bin/switchyard.js', 'serve', '--config', config, '--port', '0'], process.env.SOAK_LOG === undefined ? {} : { BENCH_LOG_FILE: process.env.SOAK_LOG });
const pool = new Pool(switchyard.url, { connections: 256 });
const body = (stream: boolean) => JSON.stringify({ messages: [{ role: 'user', content: 'soak' }], stream });

const counts: Record<string, number> = {};
let sent = 0;
let settled = 0;
let outside = 0;
const bump = (key: string) => (counts[key] = (counts[key] ?? 0) + 1);

async function one(i: number): Promise<void> {
  sent++;
  try {
    const response = await pool.request({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json', 'x-request-id': `soak-${i}` }, body: body(i % 4 === 0), headersTimeout: 30_000, bodyTimeout: 30_000 });
    const text = await response.body.text();
    const midStreamError = response.statusCode === 200 && text.includes('data: {"error"');
    bump(midStreamError ? '200 (stream ended by an error event)' : String(response.statusCode));
    if (!CONTRACT.has(response.statusCode)) outside++;
  } catch (error) {
    bump(`client error: ${(error as Error).name}`);
    if (process.env.SOAK_LOG !== undefined) console.log(`soak-${i} ${i % 4 === 0 ? 'stream' : 'json'}: ${(error as Error).name}`);
    outside++;
  } finally {
    settled++;
  }
}

const t0 = process.hrtime.bigint();
const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e9;
const inflight = new Set<Promise<void>>();
const rss: { atS: number; mb: number }[] = [];
let i = 0;
await new Promise<void>((resolve) => {
  const tick = () => {
    const due = Math.floor(elapsed() * RPS);
    while (i < due && elapsed() < SECONDS) {
      const p = one(i++).finally(() => inflight.delete(p));
      inflight.add(p);
    }
    if (elapsed() >= (rss.length + 1) * (SECONDS / 10)) rss.push({ atS: Math.round(elapsed()), mb: rssMb(switchyard.pid) });
    if (elapsed() >= SECONDS) return resolve();
    setTimeout(tick, 5);
  };
  tick();
});
await Promise.all(inflight);
if (rss.at(-1)?.atS !== Math.round(elapsed())) rss.push({ atS: Math.round(elapsed()), mb: rssMb(switchyard.pid) });
const providers = await (await fetch(`${switchyard.url}/providers`)).json();
await pool.close();
await Promise.all([switchyard.stop(), flapping.stop(), steady.stop()]);

const lost = sent - settled;
console.log(`\nsoak: ${SECONDS} s at ${RPS} req/s (1 in 4 streamed) against a flapping upstream; node ${process.version}`);
console.log(`sent ${sent}, settled ${settled}, lost ${lost}, outside the contract ${outside}`);
for (const [key, n] of Object.entries(counts).sort()) console.log(`  ${key}: ${n}`);
console.log(`RSS of switchyard: ${rss[0]!.mb.toFixed(1)} MB at ${rss[0]!.atS} s, ${rss.at(-1)!.mb.toFixed(1)} MB at the end (${rss.at(-1)!.atS} s)`);
console.log(`RSS over time: ${rss.map((r) => `${r.atS}s ${r.mb.toFixed(0)}`).join(', ')} MB`);
console.log(`providers at the end: ${(providers as { name: string; state: string; requests: number; failures: number }[]).map((p) => `${p.name} ${p.state} (${p.requests} calls, ${p.failures} failed)`).join('; ')}`);
const ok = lost === 0 && outside === 0;
console.log(ok ? 'PASS: every request got a 200 or a contract error; none lost' : 'FAIL');
process.exitCode = ok ? 0 : 1;
