/**
 * Per-request candidate filters, applied before the strategy: the context window is a hard
 * limit, capabilities a preference. Nothing is allocated when nothing is filtered out.
 */
import { isEligible, type Candidate } from './candidate.js';

/** What the filters need to know about a request. */
export interface FilterRequest {
  /** The request's task tag, matched against candidates' `capabilities`. */
  task?: string | undefined;
  /** Estimated input plus planned output tokens. */
  requiredTokens: number;
  /** A candidate's own requirement, when it estimates tokens its own way. @default requiredTokens */
  tokensFor?: ((candidate: Candidate) => number) | undefined;
  /** Candidates already tried; they do not count as "capable and available". @default none */
  exclude?: ReadonlySet<string> | undefined;
}

/** The candidates left, or the reason none is. */
export interface FilterResult<C extends Candidate = Candidate> {
  candidates: readonly C[];
  rejected?: 'context_length';
}

const NONE: readonly never[] = Object.freeze([]);
const NO_EXCLUSIONS: ReadonlySet<string> = new Set();

/**
 * Keeps candidates whose context window fits `requiredTokens` (unknown windows fit); if none
 * fits, `rejected: 'context_length'`. Then, if some fitting candidate that is selectable lists
 * the task in `capabilities`, keeps only the fitting ones that list it; otherwise keeps them all.
 */
export function filterCandidates<C extends Candidate>(candidates: readonly C[], request: FilterRequest): FilterResult<C> {
  const fitting = byContextWindow(candidates, request.tokensFor ?? request.requiredTokens);
  if (fitting.length === 0) return candidates.length === 0 ? { candidates } : { candidates: NONE, rejected: 'context_length' };
  const task = request.task;
  return { candidates: task === undefined ? fitting : byCapability(fitting, task, request.exclude ?? NO_EXCLUSIONS) };
}

type Requirement = number | ((candidate: Candidate) => number);

function fits(candidate: Candidate, required: Requirement): boolean {
  const window = candidate.contextWindow;
  return window === undefined || window >= (typeof required === 'number' ? required : required(candidate));
}

function byContextWindow<C extends Candidate>(candidates: readonly C[], requiredTokens: Requirement): readonly C[] {
  let kept = 0;
  for (const c of candidates) if (fits(c, requiredTokens)) kept++;
  if (kept === candidates.length) return candidates;
  if (kept === 0) return NONE;
  const result: C[] = [];
  for (const c of candidates) if (fits(c, requiredTokens)) result.push(c);
  return result;
}

function byCapability<C extends Candidate>(candidates: readonly C[], task: string, exclude: ReadonlySet<string>): readonly C[] {
  let capable = 0;
  let available = false;
  for (const c of candidates) {
    if (!c.capabilities.includes(task)) continue;
    capable++;
    if (!available && isEligible(c, exclude)) available = true;
  }
  if (!available || capable === candidates.length) return candidates;
  const result: C[] = [];
  for (const c of candidates) if (c.capabilities.includes(task)) result.push(c);
  return result;
}
