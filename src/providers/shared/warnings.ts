/**
 * Unsupported request parameters become warnings (`ChatResponse.warnings`), never silent
 * drops. Each adapter declares which unified parameters it cannot carry.
 */
import type { ChatRequest, ToolDefinition } from '../../core/types.js';

/** Parameters of {@link ChatRequest} that are sent upstream (routing fields excluded). */
export type UpstreamParam = Exclude<keyof ChatRequest, 'model' | 'messages' | 'task' | 'metadata'>;

/**
 * Values that ask for nothing beyond a provider's default, so leaving them out changes
 * nothing and needs no warning: no penalty, no logit bias, plain text, parallel tool calls
 * allowed, the automatic service tier, nothing stored.
 */
const NEUTRAL: { readonly [K in UpstreamParam]?: (value: NonNullable<ChatRequest[K]>) => boolean } = {
  frequencyPenalty: (penalty) => penalty === 0,
  presencePenalty: (penalty) => penalty === 0,
  logitBias: (bias) => Object.keys(bias).length === 0,
  responseFormat: (format) => format.type === 'text',
  parallelToolCalls: (parallel) => parallel,
  serviceTier: (tier) => tier === 'auto',
  store: (store) => !store,
};

/** One warning per parameter in `unsupported` that `request` sets to something other than a neutral value. */
export function unsupportedWarnings(request: ChatRequest, unsupported: readonly UpstreamParam[], provider: string): string[] {
  return unsupported
    .filter((param) => asksFor(request, param))
    .map((param) => `${provider} does not support "${param}"; it was not sent`);
}

/** Whether `request` sets `param` to something that asks for more than the default (set, and not neutral). */
export function asksFor(request: ChatRequest, param: UpstreamParam): boolean {
  return request[param] !== undefined && !isNeutral(param, request[param]);
}

function isNeutral(param: UpstreamParam, value: unknown): boolean {
  const neutral = NEUTRAL[param] as ((value: unknown) => boolean) | undefined;
  return neutral?.(value) === true;
}

/**
 * The warning for a tool choice that asks for a call (`required`, a named tool) when no tool is
 * sent, if it does: providers refuse a tool choice without tools, so it is left out.
 */
export function toolChoiceWithoutToolsWarning(choice: ChatRequest['toolChoice'], provider: string): string | undefined {
  return choice === undefined || choice === 'none' || choice === 'auto' ? undefined : `toolChoice without tools was not sent to ${provider}`;
}

/** The warning for tools marked `strict` sent to a provider that does not enforce tool schemas, if any is. */
export function strictToolsWarning(tools: readonly ToolDefinition[], provider: string): string | undefined {
  return tools.some((tool) => tool.strict === true) ? `${provider} does not enforce tool parameter schemas; "strict" was not sent` : undefined;
}
