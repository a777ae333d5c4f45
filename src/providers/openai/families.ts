/**
 * What each family of OpenAI models takes, guessed from the model name: reasoning models
 * (o-series, gpt-5) take only default sampling and `max_completion_tokens`; chat models take no
 * `reasoning_effort`. The provider option `reasoning` overrides the guess for names that do not tell.
 */
import type { UpstreamParam } from '../shared/warnings.js';

/** Parameters some family answers with a 400, and their Chat Completions names. */
const WIRE_NAMES = {
  temperature: 'temperature',
  topP: 'top_p',
  frequencyPenalty: 'frequency_penalty',
  presencePenalty: 'presence_penalty',
  logitBias: 'logit_bias',
  stop: 'stop',
  parallelToolCalls: 'parallel_tool_calls',
  reasoningEffort: 'reasoning_effort',
} as const satisfies Partial<Record<UpstreamParam, string>>;

/** A parameter that a family may not take. */
export type FamilyParam = keyof typeof WIRE_NAMES;

/** What a family of OpenAI models takes. */
export interface ModelFamily {
  /** Thinks before answering: takes `reasoning_effort` and `max_completion_tokens`. */
  reasoning: boolean;
  /** Parameters the family answers with a 400 (left out, a warning each). */
  refuses: ReadonlySet<FamilyParam>;
}

/** Reasoning models take only the default of these, and answer any other value with a 400. */
const SAMPLING: readonly FamilyParam[] = ['temperature', 'topP', 'frequencyPenalty', 'presencePenalty', 'logitBias'];

const O_SERIES: ModelFamily = { reasoning: true, refuses: new Set([...SAMPLING, 'stop', 'parallelToolCalls']) };
const GPT_5: ModelFamily = { reasoning: true, refuses: new Set([...SAMPLING, 'stop']) };
const CHAT: ModelFamily = { reasoning: false, refuses: new Set(['reasoningEffort']) };

/** Families by model name, the first match wins; any other model is a chat model. */
const FAMILIES: readonly (readonly [RegExp, ModelFamily])[] = [
  [/^o\d/, O_SERIES],
  [/^gpt-5-chat/, CHAT],
  [/^gpt-5/, GPT_5],
];

/**
 * The family of `model`. `reasoning` (the provider option) overrides the name: a reasoning
 * model the name does not tell is treated as the strictest family (o-series).
 */
export function modelFamily(model: string, reasoning?: boolean): ModelFamily {
  const named = FAMILIES.find(([pattern]) => pattern.test(model))?.[1] ?? CHAT;
  if (reasoning === undefined || reasoning === named.reasoning) return named;
  return reasoning ? O_SERIES : CHAT;
}

/** The warning for `param` left out because `model`'s family does not take it. */
export function familyWarning(family: ModelFamily, model: string, param: FamilyParam): string {
  const kind = family.reasoning ? 'reasoning' : 'non-reasoning';
  const takes = SAMPLING.includes(param) ? 'take only the default' : 'do not take';
  return `OpenAI ${kind} models (${model}) ${takes} ${WIRE_NAMES[param]}; "${param}" was not sent`;
}
