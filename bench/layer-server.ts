/**
 * One layer of the gateway's stack as its own server, for `bench/layers.ts`. LAYER:
 * `http` (node:http answering a fixed completion: the floor), `engine` (node:http around
 * `engine.chat()` on a zero-latency simulated provider, no gateway code), `gateway` (the
 * real gateway on that engine). Runs the built code with pretenuring off, as
 * `switchyard serve` does. Prints `listening PORT`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';

v8.setFlagsFromString('--no-allocation-site-pretenuring');
const { createSwitchyard } = await import('../dist/src/engine/switchyard.js');
const { createGateway } = await import('../dist/src/server/gateway.js');

const layer = process.env.LAYER ?? 'http';
const engine = createSwitchyard({ providers: [{ name: 'sim', type: 'simulated', latencyMs: 0, tokensPerSecond: 1e9 }] });

if (layer === 'gateway') {
  // The request log goes to stdout, as with `switchyard serve`; the harness keeps draining it.
  const address = await createGateway(engine).listen(0, '127.0.0.1');
  process.stdout.write(`listening ${address.port}\n`);
} else {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { messages: { role: 'user'; content: string }[]; max_tokens: number };
        const content = layer === 'engine' ? (await engine.chat({ messages: body.messages, maxTokens: body.max_tokens })).content : 'Hello';
        const text = JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] });
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      } catch {
        // Counted as failed by the load generator.
        res.writeHead(500).end();
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
}
process.on('SIGTERM', () => process.exit(0));
