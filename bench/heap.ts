/**
 * Heap flatness: the gateway and engine in this process (so the heap can be read after a
 * forced GC), 5 rounds of 5000 requests. UP=flap puts an openai provider on a flapping
 * upstream (500s, 429s, hangs) in front of a steady one; STREAM=1 streams. Run with
 * `node --expose-gc --import tsx bench/heap.ts`.
 */
import { createSwitchyard } from '../src/engine/switchyard.js';
import { createGateway } from '../src/server/gateway.js';
import { load, spawnServer } from './harness.js';
const up = process.env.UP ? await spawnServer(['--import', 'tsx', 'bench/upstream.ts'], process.env.UP === 'flap' ? { FLAP_PERIOD_MS: '2000', FLAP_DOWN_MS: '800' } : {}) : undefined;
const steady = up ? await spawnServer(['--import', 'tsx', 'bench/upstream.ts']) : undefined;
const engine = createSwitchyard({ log: { level: process.env.LVL ?? 'info' }, health: { cooldownMs: 500, maxCooldownMs: 1000 }, providers: up ? [
  { name: 'flappy', type: 'openai', baseUrl: `${up.url}/v1`, apiKey: 'sk-soak-0000000000', model: 'm', priority: 1, timeoutMs: 200 },
  { name: 'steady', type: 'openai', baseUrl: `${steady!.url}/v1`, apiKey: 'sk-soak-0000000000', model: 'm', priority: 2 }] : [{ name: 'sim', type: 'simulated', latencyMs: 0, tokensPerSecond: 1e9 }] });
const gateway = createGateway(engine, { logDestination: { write: () => undefined } });
const { url } = await gateway.listen(0, '127.0.0.1');
const body = JSON.stringify({ messages: [{ role: 'user', content: 'x' }], stream: process.env.STREAM === '1', max_tokens: 5 });
const heap = () => { (globalThis as { gc?: () => void }).gc?.(); return (process.memoryUsage().heapUsed / 1e6).toFixed(1); };
for (let round = 0; round < Number(process.env.ROUNDS ?? 5); round++) {
  const r = await load(url, body, { concurrency: 16, count: 5000, maxSeconds: 60 });
  console.log(`round ${round}: ${r.requests} req, failed ${r.failed}, heapUsed ${heap()} MB, external ${(process.memoryUsage().external / 1e6).toFixed(1)} MB, arrayBuffers ${(process.memoryUsage().arrayBuffers / 1e6).toFixed(1)} MB, rss ${(process.memoryUsage().rss / 1e6).toFixed(1)} MB`);
}
await gateway.close(0); await up?.stop(); await steady?.stop();
