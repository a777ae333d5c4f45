/**
 * One layer of the gateway's stack as its own server, for `bench/layers.ts`. LAYER:
 * - `http`: node:http answering a fixed completion (the floor);
 * - `xstate`: node:http plus the least XState work the architecture asks of a request: one
 *   actor created, started and run to its end over two macrosteps, and two events on a
 *   long-lived actor; no routing, health, adapter or logging code;
 * - `xstate-proxy`: bench/proxy.ts with its upstream request made as that actor's call, the
 *   least a proxy built on this architecture does (needs UPSTREAM_URL);
 * - `xstate-gateway`: xstate-proxy that also reads the JSON of the request and of the answer,
 *   writes one log line and counts: the least an LLM gateway on this architecture does;
 * - `engine`: node:http around `engine.chat()` on a zero-latency simulated provider, no
 *   gateway code;
 * - `gateway`: the real gateway on that engine.
 * The engine and the gateway are the built code (dist/); this file runs under tsx. Pretenuring
 * is off, as in `switchyard serve`. Prints `listening PORT`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import { Pool } from 'undici';
import { startProxy } from './proxy.js';

v8.setFlagsFromString('--no-allocation-site-pretenuring');
const { createSwitchyard } = await import('../dist/src/engine/switchyard.js');
const { createGateway } = await import('../dist/src/server/gateway.js');
const { assign, createActor, setup } = await import('xstate');

const layer = process.env.LAYER ?? 'http';
const engine = createSwitchyard({ providers: [{ name: 'sim', type: 'simulated', latencyMs: 0, tokensPerSecond: 1e9 }] });

// The `xstate` layer: a provider-like actor that lives for the whole run, and per request a
// router-like actor that takes a slot from it in a promise job, makes its call, reports, and
// finishes, as the engine's router does (docs/decisions.md), minus everything else. Its call
// is a constant in `xstate`, and the upstream request of bench/proxy.ts in `xstate-proxy`.
const provider = createActor(
  setup({}).createMachine({
    context: { inFlight: 0 },
    on: {
      acquire: { actions: assign({ inFlight: ({ context }) => context.inFlight + 1 }) },
      report: { actions: assign({ inFlight: ({ context }) => context.inFlight - 1 }) },
    },
  }),
).start();
type Call = () => Promise<unknown>;
/** A call's outcome: its result, or the error it failed with (`routeWithXState` rejects with it). */
type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };
const routerMachine = setup({
  types: { input: {} as { call: Call }, context: {} as { call: Call; result: Outcome | undefined }, events: {} as { type: 'call.done'; result: Outcome } },
  actions: {
    startAttempt: ({ context, self }) => {
      void Promise.resolve().then(() => {
        provider.send({ type: 'acquire' });
        return context.call().then(
          (result) => self.send({ type: 'call.done', result: { ok: true, result } }),
          (error: unknown) => self.send({ type: 'call.done', result: { ok: false, error } }),
        );
      });
    },
    report: () => provider.send({ type: 'report' }),
  },
}).createMachine({
  context: ({ input }) => ({ call: input.call, result: undefined }),
  initial: 'attempting',
  states: {
    attempting: { entry: 'startAttempt', on: { 'call.done': { target: 'done', actions: ['report', assign({ result: ({ event }) => event.result })] } } },
    done: { type: 'final' },
  },
  output: ({ context }) => context.result!,
});
function routeWithXState<T>(call: () => Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const router = createActor(routerMachine, { input: { call } });
    router.subscribe({
      complete: () => {
        const outcome = router.getSnapshot().output as Outcome;
        if (outcome.ok) resolve(outcome.result as T);
        else reject(outcome.error);
      },
    });
    router.start();
  });
}
const hello = () => Promise.resolve('Hello');

if (layer === 'xstate-proxy') {
  // bench/proxy.ts, with its upstream request made as the router-like actor's call.
  startProxy(process.env.UPSTREAM_URL!, (request) => routeWithXState(request));
} else if (layer === 'xstate-gateway') {
  // The least an LLM gateway on this architecture does: xstate-proxy, plus reading the JSON
  // of the request and of the answer (a gateway translates both: it cannot pipe bytes), one
  // log line and one counter. No validation, translation tables, headers or metrics library.
  const upstream = new Pool(process.env.UPSTREAM_URL!, { connections: 128 });
  let served = 0;
  // Log lines are written in batches, as pino's asynchronous destination does, not one
  // write(2) per request.
  let logs = '';
  const log = (line: string) => {
    if (logs === '') setImmediate(() => {
      process.stdout.write(logs);
      logs = '';
    });
    logs += line;
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const started = performance.now();
      const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { model: string; messages: unknown[]; max_tokens?: number };
      const body = JSON.stringify({ model: request.model, messages: request.messages, max_tokens: request.max_tokens });
      routeWithXState(async () => {
        const answer = await upstream.request({ method: 'POST', path: '/v1/chat/completions', headers: { 'content-type': 'application/json' }, body });
        return (await answer.body.json()) as { id: string; model: string; choices: { message: { content: string }; finish_reason: string }[]; usage?: unknown };
      })
        .then((answer) => {
          const text = JSON.stringify({ id: answer.id, object: 'chat.completion', created: Math.floor(Date.now() / 1000), model: answer.model, choices: [{ index: 0, message: { role: 'assistant', content: answer.choices[0]!.message.content }, finish_reason: answer.choices[0]!.finish_reason }], usage: answer.usage });
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
          res.end(text);
          served++;
          log(`${JSON.stringify({ msg: 'request', model: answer.model, status: 200, latency_ms: performance.now() - started, served })}\n`);
        })
        .catch(() => {
          if (!res.headersSent) res.writeHead(502);
          res.end();
        });
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
} else if (layer === 'gateway') {
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
        const content =
          layer === 'engine' ? (await engine.chat({ messages: body.messages, maxTokens: body.max_tokens })).content
          : layer === 'xstate' ? await routeWithXState(hello)
          : 'Hello';
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
