/**
 * Prompt-size estimates for routing. The cheap heuristic serves every request; a provider's
 * own estimator (a real tokenizer for OpenAI-family models) is consulted only when the
 * heuristic comes within half of a candidate's context window, where precision can change
 * which providers fit. Each distinct estimator runs at most once per request.
 */
import { estimateInputTokens } from '../core/tokens.js';
import type { ChatRequest } from '../core/types.js';
import type { RouteMember } from './provider-handle.js';

export interface PromptEstimate {
  /** The heuristic estimate, for cost ranking. */
  inputTokens: number;
  /** Each candidate's own input + planned output tokens, when precision matters. */
  tokensFor: ((candidate: { name: string }) => number) | undefined;
}

/**
 * Estimates `request` for a route whose smallest context window is `smallestWindow`;
 * `inputTokens` is the heuristic estimate when the caller has it already.
 */
export function estimatePrompt(
  request: ChatRequest,
  members: readonly RouteMember[],
  smallestWindow: number,
  inputTokens = estimateInputTokens(request),
): PromptEstimate {
  const output = request.maxTokens ?? 0;
  if (inputTokens + output < smallestWindow / 2) return { inputTokens, tokensFor: undefined };

  const byEstimator = new Map<(request: ChatRequest) => number, number>();
  const byName = new Map<string, number>();
  for (const member of members) {
    const adapter = member.adapter;
    const estimate = adapter.estimateInputTokens;
    if (estimate === undefined) continue;
    let tokens = byEstimator.get(estimate);
    if (tokens === undefined) {
      tokens = estimate.call(adapter, request);
      byEstimator.set(estimate, tokens);
    }
    byName.set(member.name, tokens + output);
  }
  return { inputTokens, tokensFor: (candidate) => byName.get(candidate.name) ?? inputTokens + output };
}
