/**
 * A minimal, fast OpenAI-compatible upstream for benchmarks (its own process): a fixed
 * completion, or an SSE stream of `BENCH_CHUNKS` chunks. With `FLAP_PERIOD_MS` it flaps:
 * during the first `FLAP_DOWN_MS` of every period it answers 500, 429 or hangs (by request
 * count). Prints `listening PORT` on stdout.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 10);
const PERIOD = Number(process.env.FLAP_PERIOD_MS ?? 0);
const DOWN = Number(process.env.FLAP_DOWN_MS ?? 0);
const started = process.hrtime.bigint();
const elapsedMs = () => Number(process.hrtime.bigint() - started) / 1e6;

const completion = JSON.stringify({
  id: 'chatcmpl-bench',
  object: 'chat.completion',
  created: 1_760_000_000,
  model: 'bench-model',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the bench upstream.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 },
});
const chunk = (delta: object, finish: string | null) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_760_000_000, model: 'bench-model', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
const stream = [
  chunk({ role: 'assistant', content: '' }, null),
  ...Array.from({ length: CHUNKS }, (_, i) => chunk({ content: `tok${i} ` }, null)),
  chunk({}, 'stop'),
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1_760_000_000, model: 'bench-model', choices: [], usage: { prompt_tokens: 12, completion_tokens: CHUNKS, total_tokens: 12 + CHUNKS } })}\n\n`,
  'data: [DONE]\n\n',
].join('');

let count = 0;
const server = createServer((req, res) => {
  const body: Buffer[] = [];
  req.on('data', (c: Buffer) => body.push(c));
  req.on('end', () => {
    count++;
    if (PERIOD > 0 && elapsedMs() % PERIOD < DOWN) {
      const mode = count % 3;
      if (mode === 0) return void res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"message":"flapping","type":"server_error","code":null}}');
      if (mode === 1) return void res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' }).end('{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}');
      return; // hang: the gateway's per-attempt timeout ends it
    }
    const streaming = Buffer.concat(body).includes('"stream":true');
    if (streaming) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(stream);
    } else {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(completion) });
      res.end(completion);
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => process.exit(0));
