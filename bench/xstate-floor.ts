/**
 * What XState v5's machinery costs per request on this machine, as a floor for the router
 * design: a bare actor, an invoked promise child, `after` timers, and the alternative the
 * router uses (a promise started by an action that reports back by event). Prints a table;
 * run with `npx tsx bench/xstate-floor.ts`.
 */
import { createActor, fromPromise, setup } from 'xstate';

const N = Number(process.env.BENCH_REQUESTS ?? 50_000);

async function measure(fn: () => Promise<void>): Promise<number> {
  for (let i = 0; i < 5000; i++) await fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < N; i++) await fn();
  return Number(process.hrtime.bigint() - start) / 1000 / N;
}

const untilDone = (start: () => { subscribe(o: { complete(): void }): unknown; start(): unknown }) =>
  new Promise<void>((resolve) => {
    const actor = start();
    actor.subscribe({ complete: resolve });
    actor.start();
  });

const call = fromPromise(async () => 1);
const bare = setup({}).createMachine({ initial: 'a', states: { a: { on: { go: 'done' } }, done: { type: 'final' } } });
const withAfter = setup({ delays: { d: () => 120_000 } }).createMachine({
  initial: 'a',
  after: { d: '.done' },
  states: { a: { on: { go: 'done' } }, done: { type: 'final' } },
});
const invoked = setup({ actors: { call } }).createMachine({
  initial: 'a',
  states: { a: { invoke: { src: 'call', onDone: 'done' } }, done: { type: 'final' } },
});
const invokedWithTimers = setup({ actors: { call }, delays: { deadline: () => 120_000, timeout: () => 30_000 } }).createMachine({
  initial: 'a',
  after: { deadline: '.done' },
  states: { a: { invoke: { src: 'call', onDone: 'done' }, after: { timeout: 'done' } }, done: { type: 'final' } },
});
const effect = setup({
  actions: {
    start: ({ self }) => {
      void Promise.resolve(1).then(() => self.send({ type: 'ok' }));
    },
  },
}).createMachine({ initial: 'a', states: { a: { entry: 'start', on: { ok: 'done' } }, done: { type: 'final' } } });

const rows: [string, number][] = [
  ['bare actor: create, start, one event, final', await measure(async () => void createActor(bare).start().send({ type: 'go' }))],
  ['  + one `after` timer', await measure(async () => void createActor(withAfter).start().send({ type: 'go' }))],
  ['invoked fromPromise child', await measure(() => untilDone(() => createActor(invoked)))],
  ['invoked child + deadline and timeout `after`s', await measure(() => untilDone(() => createActor(invokedWithTimers)))],
  ['promise started by an action, result as event', await measure(() => untilDone(() => createActor(effect)))],
];
const width = Math.max(...rows.map(([label]) => label.length));
console.log(`XState ${(await import('xstate/package.json', { with: { type: 'json' } })).default.version} floor, ${N} runs each, node ${process.version}`);
console.log(`| ${'shape'.padEnd(width)} | µs/run |`);
console.log(`|${'-'.repeat(width + 2)}|--------|`);
for (const [label, us] of rows) console.log(`| ${label.padEnd(width)} | ${us.toFixed(1).padStart(6)} |`);
