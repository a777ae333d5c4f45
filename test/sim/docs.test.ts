/**
 * The transcripts in docs/simulation.md are what the commands print: each example of ten
 * minutes runs in full (switchyard policy) and its summary must match the documented one,
 * byte for byte, but for the wall-time suffix the docs leave out. This also catches a run
 * that never ends (a timer that fires at delay 0 forever hung `total-outage` once).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatSummary } from '../../src/sim/human.js';
import { runScenario } from '../../src/sim/run.js';
import { example } from './helpers.js';

const DOC = readFileSync(join(import.meta.dirname, '../../docs/simulation.md'), 'utf8');
/** Documented summaries of the switchyard policy, by example name (mixed-day, a whole day, is left to the examples test). */
const documented = [...DOC.matchAll(/```text\n\$ switchyard simulate examples\/scenarios\/([\w-]+)\.yaml[^\n]*\n([\s\S]*?)\n\nScenario \1: [^\n]*naive policy/g)]
  .filter(([, name]) => name !== 'mixed-day')
  .map(([, name, summary]) => [name!, summary!] as const);

describe('docs/simulation.md', () => {
  it('documents the five ten-minute examples', () => {
    expect(documented.map(([name]) => name).sort()).toEqual(['flaky-provider', 'hanging-provider', 'primary-outage', 'rate-limit-storm', 'total-outage']);
  });

  it.each(documented)('%s: the documented summary is what the run prints', async (name, summary) => {
    const { report } = await runScenario(example(name));
    expect(formatSummary(report).trimEnd()).toBe(summary.trimEnd());
  }, 30_000);
});
