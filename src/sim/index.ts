/** The outage simulator (CONTRACT §5): scenarios, runs in virtual time, reports and charts. */
export { loadScenario, parseScenario, scenarioSchema, type Scenario, type TrafficSpec } from './scenario.js';
export { runScenario, type RunOptions, type RunResult } from './run.js';
export type { Policy, ProviderReport, SimulationReport } from './report.js';
export { naiveConfig, naiveProviderMachine } from './naive.js';
export { renderChart, type ChartInput } from './chart.js';
export { formatComparison, formatSummary } from './human.js';
export { LogHistogram } from './histogram.js';
