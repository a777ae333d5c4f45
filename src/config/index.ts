/** Configuration: types, loading and the schema pieces other modules reuse (CONTRACT §2). */
export type * from './types.js';
export { interpolateEnv, loadConfigFile, parseConfig, parseConfigText, readConfigText, validate, validateCollecting, type Env } from './load.js';
export { configSchema, DEFAULT_ROUTE, isRecord } from './schema.js';
export { DEFAULT_BASE_URL, incidentSchema, PROVIDER_TYPES, providerSchema, SIMULATED_DEFAULTS } from './provider-schema.js';
export { NOT_YET_SUPPORTED, type GatedFeature } from './gates.js';
export { parseDuration } from './primitives.js';
