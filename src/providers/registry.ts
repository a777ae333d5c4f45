/**
 * Provider types and their adapter factories. Adding a provider is one folder under
 * `src/providers/` and one line in {@link ADAPTERS}.
 */
import type { AdapterEnvironment, AdapterFactory, ProviderAdapter, ProviderSettings } from '../core/adapter.js';
import { ConfigError } from '../core/errors.js';
import { createAnthropicAdapter } from './anthropic/index.js';
import { createGeminiAdapter } from './gemini/index.js';
import { createOllamaAdapter } from './ollama/index.js';
import { createOpenAIAdapter } from './openai/index.js';
import { createSimulatedAdapter } from './simulated/index.js';

/** Adapter factory of each provider `type`. */
export const ADAPTERS: Record<string, AdapterFactory> = {
  anthropic: createAnthropicAdapter,
  gemini: createGeminiAdapter,
  ollama: createOllamaAdapter,
  openai: createOpenAIAdapter,
  simulated: createSimulatedAdapter,
};

/** Builds the adapter for `settings.type`; throws a {@link ConfigError} for an unknown type. */
export function createAdapter(settings: ProviderSettings, environment: AdapterEnvironment): ProviderAdapter {
  const factory = Object.hasOwn(ADAPTERS, settings.type) ? ADAPTERS[settings.type] : undefined;
  if (factory === undefined) {
    const known = Object.keys(ADAPTERS).sort().join(', ');
    throw new ConfigError([`provider ${settings.name}: unknown type "${settings.type}" (known types: ${known})`]);
  }
  return factory(settings, environment);
}
