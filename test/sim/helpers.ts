import { join } from 'node:path';
import { loadScenario, type Scenario } from '../../src/sim/scenario.js';
import type { SimulationReport } from '../../src/sim/report.js';

export const EXAMPLES = join(import.meta.dirname, '../../examples/scenarios');

/** An example scenario, optionally cut short and with lighter traffic (tests stay fast). */
export function example(name: string, overrides: { durationS?: number; rps?: number } = {}): Scenario {
  const scenario = loadScenario(join(EXAMPLES, `${name}.yaml`), {});
  return {
    ...scenario,
    durationS: overrides.durationS ?? scenario.durationS,
    traffic: { ...scenario.traffic, rps: overrides.rps ?? scenario.traffic.rps },
  };
}

/** The transitions of one provider. */
export function transitions(report: SimulationReport, provider: string) {
  return report.byProvider[provider]!.transitions;
}

/** Times (s) at which `provider` entered `state`. */
export function entered(report: SimulationReport, provider: string, state: string): number[] {
  return transitions(report, provider)
    .filter((t) => t.to === state)
    .map((t) => t.atS);
}
