/**
 * Conditional routing (CONTRACT §2 `rules`): the first rule whose every present condition
 * holds names the route.
 */
import type { NumberMatch, RuleConfig } from '../config/types.js';

/** The request facts rules can test. */
export interface RuleFacts {
  inputTokens: number;
  task?: string | undefined;
  model?: string | undefined;
  stream: boolean;
}

/** The route of the first rule that matches `facts`, or undefined. An empty `when` matches everything. */
export function matchRule(rules: readonly RuleConfig[], facts: RuleFacts): string | undefined {
  for (const rule of rules) if (ruleMatches(rule, facts)) return rule.route;
  return undefined;
}

/** True when every condition present in `rule.when` holds for `facts`. */
export function ruleMatches(rule: RuleConfig, facts: RuleFacts): boolean {
  const when = rule.when;
  if (when.inputTokens !== undefined && !numberMatches(when.inputTokens, facts.inputTokens)) return false;
  if (when.task !== undefined && when.task !== facts.task) return false;
  if (when.model !== undefined && when.model !== facts.model) return false;
  if (when.stream !== undefined && when.stream !== facts.stream) return false;
  return true;
}

/** True when `value` satisfies every bound present in `match`. */
export function numberMatches(match: NumberMatch, value: number): boolean {
  if (match.gt !== undefined && !(value > match.gt)) return false;
  if (match.gte !== undefined && !(value >= match.gte)) return false;
  if (match.lt !== undefined && !(value < match.lt)) return false;
  if (match.lte !== undefined && !(value <= match.lte)) return false;
  return true;
}
