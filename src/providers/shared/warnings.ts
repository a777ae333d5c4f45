/**
 * Unsupported request parameters become warnings (`ChatResponse.warnings`), never silent
 * drops. Each adapter declares which unified parameters it cannot carry.
 */
import type { ChatRequest } from '../../core/types.js';

/** Parameters of {@link ChatRequest} that are sent upstream (routing fields excluded). */
export type UpstreamParam = Exclude<keyof ChatRequest, 'model' | 'messages' | 'task' | 'metadata'>;

/** One warning per parameter in `unsupported` that `request` sets. */
export function unsupportedWarnings(request: ChatRequest, unsupported: readonly UpstreamParam[], provider: string): string[] {
  return unsupported
    .filter((param) => request[param] !== undefined)
    .map((param) => `${provider} does not support "${param}"; it was not sent`);
}
