/** What every route handler gets: the engine, the limits, the keys and the telemetry. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SwitchyardConfig } from '../config/types.js';
import type { Switchyard } from '../engine/switchyard.js';
import type { RequestLogger } from '../telemetry/logger.js';
import type { Metrics } from '../telemetry/metrics.js';
import type { KeyCheck } from './auth.js';

/** Shared state of one gateway. */
export interface GatewayContext {
  readonly engine: Switchyard;
  readonly logger: RequestLogger;
  readonly metrics: Metrics;
  /** Gateway keys for `/v1/*` and `/generate`. */
  readonly apiKeys: KeyCheck;
  /** The admin key for operator actions. */
  readonly adminKey: KeyCheck;
  readonly maxBodyBytes: number;
  /** Credentials to scrub from every error body and log line. */
  readonly secrets: readonly string[];
  /** True once shutdown has begun. */
  readonly draining: boolean;
  /** Upstream model id of a provider, for stream chunks before the upstream names it. */
  modelOf(provider: string): string;
  /** `POST /admin/reload`'s source; undefined when there is none (the demo). */
  readonly reloading: Reloading | undefined;
}

/** Where a reload reads the configuration, and what it cannot change. */
export interface Reloading {
  /** The raw configuration, read anew. */
  read(): unknown;
  /** Settings of `config` that differ from those in force and take a restart (`server.port`, `seed`). */
  notApplied(config: SwitchyardConfig): string[];
}

/** One request being served. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly requestId: string;
  /** Clock time the request arrived, ms. */
  readonly startedAt: number;
  /** The query string's parameters. */
  readonly query: URLSearchParams;
}

/** A route handler; throws to answer with an error. */
export type Handler = (ctx: GatewayContext, exchange: Exchange, params: Record<string, string>) => Promise<void> | void;
