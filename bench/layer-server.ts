/**
 * One layer of the gateway's stack as its own server, for `bench/layers.ts`. LAYER:
 * `http` (node:http answering a fixed completion: the floor), `xstate` (node:http plus the
 * least XState work the architecture asks of a request: one actor created, started and run
 * to its end over two macrosteps, and two events on a long-lived actor, with no routing,
 * health or adapter code), `engine` (node:http around
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
const { assign, createActor, setup } = await import('xstate');

const layer = process.env.LAYER ?? 'http';
const engine = createSwitchyard({ providers: [{ name: 'sim', type: 'simulated', latencyMs: 0, tokensPerSecond: 1e9 }] });

// The `xstate` layer: a provider-like actor that lives for the whole run, and per request a
// router-like actor that takes a slot from it in a promise job, "calls" (a resolved promise),
// reports, and finishes, as the engine's router does (docs/decisions.md), minus everything else.
const provider = createActor(
  setup({}).createMachine({
    context: { inFlight: 0 },
    on: {
      acquire: { actions: assign({ inFlight: ({ context }) => context.inFlight + 1 }) },
      report: { actions: assign({ inFlight: ({ context }) => context.inFlight - 1 }) },
    },
  }),
).start();
const routerMachine = setup({
  types: { context: {} as { content: string }, events: {} as { type: 'call.done'; content: string } },
  actions: {
    startAttempt: ({ self }) => {
      void Promise.resolve().then(() => {
        provider.send({ type: 'acquire' });
        return Promise.resolve('Hello').then((content) => self.send({ type: 'call.done', content }));
      });
    },
    report: () => provider.send({ type: 'report' }),
  },
}).createMachine({
  context: { content: '' },
  initial: 'attempting',
  states: {
    attempting: { entry: 'startAttempt', on: { 'call.done': { target: 'done', actions: ['report', assign({ content: ({ event }) => event.content })] } } },
    done: { type: 'final' },
  },
  output: ({ context }) => context.content,
});
function routeWithXState(): Promise<string> {
  return new Promise((resolve) => {
    const router = createActor(routerMachine);
    router.subscribe({ complete: () => resolve(router.getSnapshot().output as string) });
    router.start();
  });
}

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
        const content =
          layer === 'engine' ? (await engine.chat({ messages: body.messages, maxTokens: body.max_tokens })).content
          : layer === 'xstate' ? await routeWithXState()
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
