/**
 * The HTTP gateway: a plain `node:http` server that maps paths to small handlers and
 * failures to OpenAI-shaped errors. It translates; the engine decides.
 */
import { randomBytes } from 'node:crypto';
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { DestinationStream } from 'pino';
import type { SwitchyardConfig } from '../config/types.js';
import { RequestError } from '../core/errors.js';
import type { Switchyard } from '../engine/switchyard.js';
import { isRequestId } from '../engine/validate-request.js';
import { safeDecode } from '../providers/shared/http.js';
import { secretsOf } from '../providers/shared/redact.js';
import { createRequestLogger, type RequestLogger } from '../telemetry/logger.js';
import { createMetrics, type Metrics } from '../telemetry/metrics.js';
import { createKeyCheck, type KeyCheck } from './auth.js';
import type { Exchange, GatewayContext, Reloading, Handler } from './context.js';
import { duringShutdown, GatewayError, SHUTDOWN_CUT, statusForCode, toHttpFailure } from './errors.js';
import { sendFailure } from './http.js';
import { chatCompletions } from './routes/chat.js';
import { generate } from './routes/generate.js';
import { operate } from './routes/operate.js';
import { reload } from './routes/reload.js';
import { health, metrics, model, models, providers, ready } from './routes/status.js';

/** Options of {@link createGateway}. */
export interface GatewayOptions {
  /** Where request logs go. @default stdout */
  logDestination?: DestinationStream;
  /** A logger to use instead of creating one. */
  logger?: RequestLogger;
  /**
   * Reads the configuration anew (raw, as in a file: interpolated and validated by
   * `engine.updateConfig`; a promise of it is awaited). With it, `POST /admin/reload` applies
   * what it returns; without it, that route answers 409. `switchyard serve --config FILE`
   * reads FILE.
   */
  readConfig?: () => unknown;
  /**
   * `server.host` / `server.port` when set from outside the file (`serve --host/--port`): a
   * reloaded file's value for them is not reported as waiting for a restart.
   */
  pinned?: readonly ('server.host' | 'server.port')[];
}

/** A running gateway. */
export interface Gateway {
  readonly server: Server;
  readonly logger: RequestLogger;
  readonly metrics: Metrics;
  /** HTTP requests being served. */
  readonly active: number;
  /** Whether clients must present a gateway key (blank keys count as none). */
  readonly keysRequired: boolean;
  /** The credentials it scrubs from what it writes (configured ones, and those a recent reload replaced). */
  readonly secrets: readonly string[];
  /** Starts listening; resolves with the real address (port 0 picks a free one). */
  listen(port: number, host: string): Promise<{ host: string; port: number; url: string }>;
  /**
   * Graceful shutdown: stop accepting, let requests under way finish for up to `drainTimeoutMs`,
   * then cancel what is left, stop the engine and close every connection.
   * Resolves with whether everything finished in time.
   */
  close(drainTimeoutMs?: number): Promise<{ drained: boolean }>;
  /** Ends a drain under way now, as if its timeout had passed (a second SIGTERM/SIGINT). */
  endDrain(): void;
}

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
}

const route = (method: string, path: string, handler: Handler): Route => {
  const keys: string[] = [];
  const pattern = new RegExp(`^${path.replace(/\{(\w+)\}/g, (_m, key: string) => (keys.push(key), '([^/]+)'))}$`);
  return { method, pattern, keys, handler };
};

const ROUTES: readonly Route[] = [
  route('POST', '/v1/chat/completions', chatCompletions),
  route('POST', '/chat/completions', chatCompletions),
  route('POST', '/generate', generate),
  route('GET', '/v1/models', models),
  route('GET', '/v1/models/{id}', model),
  route('GET', '/health', health),
  route('GET', '/ready', ready),
  route('GET', '/providers', providers),
  route('POST', '/providers/{name}/{action}', operate),
  route('POST', '/admin/reload', reload),
  route('GET', '/metrics', metrics),
];


/**
 * Creates the gateway in front of `engine` (not yet listening).
 * @example
 * const gateway = createGateway(createSwitchyard(config));
 * const { url } = await gateway.listen(8080, '127.0.0.1');
 */
export function createGateway(engine: Switchyard, options: GatewayOptions = {}): Gateway {
  // Credentials to scrub: the configuration's, and those a reload replaced for as long as a
  // call started before it may still echo them (its deadline); a later reload forgets them.
  const secrets: string[] = [];
  /** Each secret a reload retired, and until when a call started before that reload may run. */
  const retired = new Map<string, number>();
  /** When every call started under an earlier configuration has passed its deadline (each lives by its own). */
  let earlierCallsEndBy = -Infinity;
  const logger = options.logger ?? createRequestLogger({ level: engine.config.log.level, secrets: () => secrets, clock: engine.clock, ...(options.logDestination === undefined ? {} : { destination: options.logDestination }) });
  const meter = createMetrics(engine);
  // What the gateway derives from the configuration: set at creation and after each
  // `engine.updateConfig()` (its `config.updated` event), for every configuration in turn.
  let applied: SwitchyardConfig | undefined;
  // Created below; a reload's timeouts apply to it at once.
  let server: Server | undefined;
  let models = new Map<string, string>();
  let apiKeys: KeyCheck;
  let adminKey: KeyCheck;
  const apply = (config: SwitchyardConfig): void => {
    const now = engine.clock.now();
    const configured = new Set([
      ...config.providers.flatMap((provider) => secretsOf(provider.apiKey, provider.headers, provider.baseUrl)),
      ...[...config.server.apiKeys, config.server.adminKey].flatMap((key) => secretsOf(key)),
    ]);
    if (applied !== undefined) earlierCallsEndBy = Math.max(earlierCallsEndBy, now + applied.routing.deadlineMs);
    for (const secret of secrets) {
      if (!configured.has(secret) && !retired.has(secret)) retired.set(secret, earlierCallsEndBy);
    }
    for (const [secret, until] of retired) {
      if (configured.has(secret) || now > until) retired.delete(secret);
    }
    // In place: the logger holds this array.
    secrets.splice(0, secrets.length, ...configured, ...retired.keys());
    models = new Map(config.providers.map((provider) => [provider.name, provider.model]));
    apiKeys = createKeyCheck(config.server.apiKeys);
    // Without an admin key (a blank one counts as none), operator actions need a gateway key
    // when gateway keys are set. A blank admin key must never open them to everyone.
    const admin = config.server.adminKey?.trim() ? [config.server.adminKey] : config.server.apiKeys;
    adminKey = createKeyCheck(admin);
    if (options.logger === undefined && applied !== undefined) logger.pino.level = config.log.level;
    if (server !== undefined) applyTimeouts(server, config);
    applied = config;
  };
  apply(engine.config);
  // Every configuration in turn: a credential of one that two reloads in a row replaced may
  // still be echoed by a call started under it.
  const unsubscribeConfig = engine.on('config.updated', () => apply(engine.config));
  let draining = false;
  const ctx: GatewayContext = {
    engine,
    logger,
    metrics: meter,
    get apiKeys() {
      return apiKeys;
    },
    get adminKey() {
      return adminKey;
    },
    get maxBodyBytes() {
      return applied!.server.maxBodyBytes;
    },
    secrets,
    get draining() {
      return draining;
    },
    modelOf: (provider) => models.get(provider) ?? provider,
    reloading: options.readConfig === undefined ? undefined : reloadingFrom(options.readConfig, engine.config, options.pinned ?? []),
  };

  /** Set when the drain timeout has passed and what is left is being cancelled. */
  let cutting = false;
  const unsubscribe = engine.on('request.finished', (event) => {
    const cut = event.status === 'aborted' || event.status === 'stopped';
    // Only what the shutdown cancels is its doing; a client that leaves during the drain is a 499.
    const status = cutting && cut ? statusForCode('shutting_down') : statusForCode(event.status);
    // Cut off by the shutdown, not by its client: say so in the log, as the client was told.
    logger.finished(event, status, cutting && cut ? { outcome: 'shutting_down', error: SHUTDOWN_CUT } : undefined);
    meter.finished(event, status);
  });

  const idPrefix = randomBytes(4).toString('hex');
  let counter = 0;
  const active = new Set<ServerResponse>();
  let idle: (() => void) | undefined;
  let cutShort: (() => void) | undefined;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const header = req.headers['x-request-id'];
    const requestId = isRequestId(header) ? header : `${idPrefix}-${(++counter).toString(36)}`;
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const exchange: Exchange = {
      req,
      res,
      requestId,
      startedAt: engine.clock.now(),
      query: new URLSearchParams(q === -1 ? '' : url.slice(q + 1)),
    };
    res.setHeader('x-switchyard-request-id', requestId);
    if (draining) res.setHeader('connection', 'close');
    try {
      const { handler, params } = match(req.method ?? 'GET', q === -1 ? url : url.slice(0, q));
      // Draining: no new work (a kept-alive connection may still bring some); probes and reads go on.
      if (draining && req.method === 'POST') throw new GatewayError(503, 'shutting_down', 'the gateway is shutting down; retry on another instance');
      await handler(ctx, exchange, params);
    } catch (error) {
      fail(exchange, error);
    }
  };

  const fail = (exchange: Exchange, error: unknown): void => {
    // An upload the parser cut off (bad chunk, request timeout) is logged with what the client
    // was sent, not as a client that left.
    const parserStatus = error instanceof GatewayError && error.status === 499 ? refusedByParser.get(exchange.req.socket) : undefined;
    if (parserStatus !== undefined) error = new GatewayError(parserStatus, parserStatus === 408 ? 'request_timeout' : 'invalid_request', parserStatus === 408 ? 'the request did not arrive in time' : 'the request body could not be parsed as HTTP');
    const failure = toHttpFailure(duringShutdown(error, draining), secrets);
    if (failure.status === 500) logger.warn('internal error', { request_id: exchange.requestId, error: error instanceof Error ? error.message : String(error) });
    if (failure.status === 413) exchange.res.setHeader('connection', 'close');
    sendFailure(exchange.res, failure);
    // The engine reports every request it was given (rejected ones too) in `request.finished`.
    if (!RequestError.is(error)) {
      logger.rejected({ requestId: exchange.requestId, status: failure.status, code: failure.body.error.code, message: failure.body.error.message, latencyMs: engine.clock.now() - exchange.startedAt });
      meter.rejected(failure.status, undefined, engine.clock.now() - exchange.startedAt);
    }
  };

  const finished = (res: ServerResponse): void => {
    if (!active.delete(res)) return;
    if (active.size === 0) idle?.();
  };
  const { keepAliveTimeoutMs, headersTimeoutMs, requestTimeoutMs } = engine.config.server;
  server = createServer({ keepAliveTimeout: keepAliveTimeoutMs, headersTimeout: headersTimeoutMs, requestTimeout: requestTimeoutMs }, (req, res) => {
    active.add(res);
    res.once('close', () => finished(res));
    void handle(req, res);
  });
  // A pipelined request queued behind an answer that closed the connection gets no 'close'
  // of its own: its socket's is the last word (one listener per socket, however many requests).
  server.on('connection', (socket) => {
    socket.once('close', () => {
      for (const res of active) if (res.req.socket === socket) finished(res);
    });
  });
  // Requests Node's parser refuses never reach a handler: answer them plainly and hang up.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    // Never write into an answer under way on this socket (bad bytes pipelined behind a stream):
    // its client would read our status line as part of that body. Hang up, as Node does.
    // A client that hung up mid-request (reset, or closed before its body was complete) is gone: no answer.
    if (error.code === 'ECONNRESET' || error.code === 'HPE_INVALID_EOF_STATE' || !socket.writable || answering(socket)) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    refusedByParser.set(socket, status);
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });

  /** Sockets whose request Node's parser refused mid-body (a bad chunk, the request timeout), with the status it was sent. */
  const refusedByParser = new WeakMap<Duplex, number>();

  const answering = (socket: Duplex): boolean => {
    for (const res of active) if (res.socket === socket && res.headersSent) return true;
    return false;
  };

  return {
    server,
    logger,
    metrics: meter,
    get active() {
      return active.size;
    },
    get keysRequired() {
      return apiKeys.required;
    },
    secrets,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          resolve({ host: address.address, port: address.port, url: `http://${shown}:${address.port}` });
        });
      });
    },
    endDrain() {
      cutShort?.();
    },
    async close(drainTimeoutMs = engine.config.server.drainTimeoutMs) {
      draining = true;
      // Answers still to come close their connection: a client must not send more on it.
      for (const res of active) {
        if (!res.headersSent) res.setHeader('connection', 'close');
        else {
          // Node detaches the socket before 'finish' listeners run: keep it now.
          const socket = res.socket;
          res.once('finish', () => socket?.end());
        }
      }
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      let drained = active.size === 0;
      if (!drained) {
        drained = await new Promise<boolean>((resolve) => {
          const timer = engine.clock.setTimeout(() => resolve(false), drainTimeoutMs);
          idle = () => {
            engine.clock.clearTimeout(timer);
            resolve(true);
          };
          cutShort = () => {
            engine.clock.clearTimeout(timer);
            resolve(false);
          };
        });
      }
      // What is left is cancelled: the engine aborts its requests, then sockets close.
      cutting = true;
      await engine.stop();
      unsubscribe();
      unsubscribeConfig();
      meter.detach();
      server.closeAllConnections();
      await closed;
      await logger.flush();
      return { drained };
    },
  };

  function match(method: string, path: string): { handler: Handler; params: Record<string, string> } {
    let allowed: string[] | undefined;
    // HEAD is GET without a body (node:http leaves the body out by itself).
    const as = method === 'HEAD' ? 'GET' : method;
    for (const candidate of ROUTES) {
      const found = candidate.pattern.exec(path);
      if (found === null) continue;
      if (candidate.method !== as) {
        (allowed ??= []).push(candidate.method === 'GET' ? 'GET, HEAD' : candidate.method);
        continue;
      }
      const params: Record<string, string> = {};
      candidate.keys.forEach((key, i) => (params[key] = safeDecode(found[i + 1]!)));
      return { handler: candidate.handler, params };
    }
    if (allowed !== undefined) {
      const allow = allowed.join(', ');
      throw new GatewayError(405, 'method_not_allowed', `${method} is not allowed on ${path.slice(0, 200)}; use ${allow}`, null, { allow });
    }
    throw new GatewayError(404, 'not_found', `unknown route ${method} ${path.slice(0, 200)}`);
  }
}

/** Node's limits on slow clients and idle connections, from `server` (CONTRACT §2, extended). */
function applyTimeouts(server: Server, config: SwitchyardConfig): void {
  server.keepAliveTimeout = config.server.keepAliveTimeoutMs;
  server.headersTimeout = config.server.headersTimeoutMs;
  server.requestTimeout = config.server.requestTimeoutMs;
}

/**
 * A reload's source, and the settings that take a restart, judged against the configuration
 * the gateway started with (where it listens, the engine's seed), not against the last reload.
 */
function reloadingFrom(read: () => unknown, started: SwitchyardConfig, pinned: readonly string[]): Reloading {
  return {
    read,
    notApplied: (config) => {
      const waiting = (['host', 'port'] as const).filter((key) => !pinned.includes(`server.${key}`) && config.server[key] !== started.server[key]).map((key) => `server.${key}`);
      if (config.seed !== started.seed) waiting.push('seed');
      return waiting;
    },
  };
}
