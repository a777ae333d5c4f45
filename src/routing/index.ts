/** Routing policies: pure strategies, filters, rules, panic decisions, retry budget and backoff. */
export { isEligible, type Candidate, type SelectionContext, type Strategy } from './candidate.js';
export {
  DEGRADED_ROUND_PERIOD,
  DEGRADED_WEIGHT,
  STRATEGIES,
  leastBusy,
  leastLatency,
  lowestCost,
  priority,
  roundRobin,
  weighted,
} from './strategies.js';
export { panicCandidate, rateLimitRetryAfter } from './panic.js';
export { filterCandidates, type FilterRequest, type FilterResult } from './filters.js';
export { matchRule, numberMatches, ruleMatches, type RuleFacts } from './rules.js';
export { createRetryBudget, type RetryBudget, type RetryBudgetOptions, type RetryBudgetStats } from './retry-budget.js';
export { backoffCeiling, fullJitterBackoff, type BackoffOptions } from './backoff.js';
