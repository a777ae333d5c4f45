// Run by test/engine/v8-settings.test.ts in a child process: one engine, 3,000 requests to a
// zero-latency simulated provider (enough allocation for dozens of scavenges). ASK=1 creates
// it with `disableV8Pretenuring: true`.
import { createSwitchyard } from '../../src/engine/switchyard.js';

const engine = createSwitchyard(
  {
    providers: [{ name: 'sim', type: 'simulated', latencyMs: 0 }],
    routes: { default: { providers: ['sim'] } },
    seed: 1,
  },
  { disableV8Pretenuring: process.env.ASK === '1' },
);
process.stdout.write('engine created\n');
let answered = 0;
for (let i = 0; i < 3000; i++) {
  await engine.chat({ messages: [{ role: 'user', content: 'Hello there' }] });
  answered++;
}
await engine.stop();
process.stdout.write(`answered ${answered}\n`);
