/**
 * Switchyard: an LLM router on an XState v5 actor engine. The library entry point.
 */
export { createSwitchyard } from './engine/switchyard.js';
export type { Switchyard, SwitchyardOptions, CallOptions, ChatResult } from './engine/switchyard.js';
export type { ChatStream, StreamInfo } from './engine/stream.js';
export type { ProviderStatus, OperatorAction } from './engine/status.js';
export type { EngineEvents, RequestFinishedEvent, AttemptFinishedEvent, StateChangedEvent } from './engine/events.js';
export { SwitchyardError, ProviderError, RequestError, ConfigError, OUTCOME_BY_KIND } from './core/errors.js';
export type { ErrorKind, AttemptRecord, RequestErrorCode } from './core/errors.js';
export type * from './core/types.js';
export type { ProviderAdapter, AdapterFactory, CallContext, ProviderSettings, AdapterEnvironment } from './core/adapter.js';
export { createRealClock, VirtualClock, wallTime } from './core/clock.js';
export type { Clock } from './core/clock.js';
export type { SwitchyardConfig, Incident, SimulatedOptions } from './config/types.js';
export { parseConfig, loadConfigFile } from './config/load.js';
export {
  providerMachine,
  providerSetup,
  providerStateName,
  providerTransitions,
  extendProviderMachine,
  buildProviderConfig,
} from '../machines/provider.machine.js';
export type { ProviderExtension, ProviderStateConfig, ProviderMachineConfig, ProviderSnapshot } from '../machines/provider.machine.js';
export type { ProviderEvent, ProviderInput, SlotToken, SlotReply, ProviderStateName } from '../machines/provider.types.js';
export { routerMachine } from '../machines/router.machine.js';
export { TAGS } from '../machines/provider.types.js';
export { createGateway } from './server/gateway.js';
export { createPooledFetch, type PooledFetch, type PooledFetchOptions } from './providers/shared/pooled-fetch.js';
export { createSimulatedAdapter } from './providers/simulated/index.js';
export type { Gateway, GatewayOptions } from './server/gateway.js';
