/**
 * The engine's one typed event stream. Every sink (logs, metrics, the live view, the
 * simulator's report) consumes these events and nothing else.
 */
import type { AttemptRecord, RequestErrorCode } from '../core/errors.js';

/** A client request ended, with an answer or an error. */
export interface RequestFinishedEvent {
  requestId: string;
  route: string;
  /** The provider that answered, or the last one tried. */
  provider: string | undefined;
  /** Whether `provider` answered: the request succeeded, or its stream had started before it failed. */
  answered: boolean;
  status: 'ok' | RequestErrorCode;
  /** Upstream calls made, in order. */
  attempts: AttemptRecord[];
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  /** Of `inputTokens`, those read from the provider's prompt cache, when it said. */
  cachedInputTokens?: number | undefined;
  /** Of `inputTokens`, those written to the provider's prompt cache, when it said. */
  cacheWriteInputTokens?: number | undefined;
  costUsd: number | undefined;
  latencyMs: number;
  stream: boolean;
  cacheHit: boolean;
  errorMessage: string | undefined;
  /** What the answering adapter could not carry (a `seed`, a clamped temperature), when anything. */
  warnings: string[] | undefined;
  /** Clock time at which it ended. */
  at: number;
}

/** One upstream call ended. */
export interface AttemptFinishedEvent {
  requestId: string;
  attempt: AttemptRecord;
  at: number;
}

/** A provider actor changed state. */
export interface StateChangedEvent {
  provider: string;
  from: string;
  to: string;
  at: number;
  /** Why it was disabled, for `disabled`. */
  reason: string | undefined;
}

/** `updateConfig()` applied a new configuration (read it from `engine.config`: the event carries no credential). */
export interface ConfigUpdatedEvent {
  at: number;
}

export interface EngineEvents {
  'request.finished': RequestFinishedEvent;
  'attempt.finished': AttemptFinishedEvent;
  'state.changed': StateChangedEvent;
  'config.updated': ConfigUpdatedEvent;
}

export type EngineEventName = keyof EngineEvents;
export type Listener<K extends EngineEventName> = (event: EngineEvents[K]) => void;

/** A tiny synchronous emitter. A listener that throws is reported, never fatal. */
export class EventBus {
  private readonly listeners: { [K in EngineEventName]: Set<Listener<K>> } = {
    'request.finished': new Set(),
    'attempt.finished': new Set(),
    'state.changed': new Set(),
    'config.updated': new Set(),
  };

  constructor(private readonly onListenerError: (error: unknown) => void) {}

  on<K extends EngineEventName>(name: K, listener: Listener<K>): () => void {
    if (!Object.hasOwn(this.listeners, name)) {
      throw new TypeError(`unknown event "${String(name)}": expected one of ${Object.keys(this.listeners).map((known) => `"${known}"`).join(', ')}`);
    }
    const set = this.listeners[name] as Set<Listener<K>>;
    if (typeof listener !== 'function') throw new TypeError(`the listener of "${name}" must be a function`);
    set.add(listener);
    return () => set.delete(listener);
  }

  has(name: EngineEventName): boolean {
    return this.listeners[name].size > 0;
  }

  emit<K extends EngineEventName>(name: K, event: EngineEvents[K]): void {
    for (const listener of this.listeners[name] as Set<Listener<K>>) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
