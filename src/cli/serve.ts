/** `switchyard serve`: starts the gateway (CONTRACT §1). */
import { closeSync, constants, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import type { DestinationStream } from 'pino';
import { decodeConfigBytes, parseConfig, parseConfigText, readConfigText, unreadable } from '../config/load.js';
import { reportConfigProblems } from './check.js';
import { createRealClock, type Clock } from '../core/clock.js';
import { ConfigError, SwitchyardError } from '../core/errors.js';
import { createSwitchyard } from '../engine/switchyard.js';
import { demoConfig } from '../server/demo.js';
import { createGateway } from '../server/gateway.js';
import type { ServeOptions } from './args.js';
import type { CliIO } from './io.js';

/** The configuration file `serve` reads when `--config` is not given. */
export const DEFAULT_CONFIG_FILE = 'switchyard.yaml';

/** Test seams of {@link runServe}. */
export interface ServeHooks {
  /** Resolves when the gateway should shut down. @default the first SIGTERM, SIGINT or SIGHUP */
  shutdown?: Promise<unknown>;
  /** Resolves when a drain under way should end at once. @default the second SIGTERM, SIGINT or SIGHUP */
  hurry?: Promise<unknown>;
  /** Where logs go. @default stdout */
  logDestination?: DestinationStream;
  clock?: Clock;
  /** Called once listening, with the printed URL. */
  onListening?: (url: string) => void;
}

/**
 * Starts the gateway and resolves with the exit code once it has shut down: prints
 * `switchyard listening on http://HOST:PORT` when ready; SIGTERM, SIGINT and SIGHUP drain and exit 0.
 */
export async function runServe(options: ServeOptions, io: CliIO, hooks: ServeHooks = {}): Promise<number> {
  // Listened for from the start: a pod stopped while it starts still shuts down cleanly
  // (exit 0). Whatever way this returns, the handlers go with it.
  const signals = new SignalWatch();
  try {
    return await serveWith(options, io, hooks, hooks.shutdown ?? signals.next(), signals);
  } finally {
    signals.dispose();
  }
}

async function serveWith(options: ServeOptions, io: CliIO, hooks: ServeHooks, shutdown: Promise<unknown>, signals: SignalWatch): Promise<number> {
  const clock = hooks.clock ?? createRealClock();
  const notes: string[] = [];
  let raw: unknown;
  const file = options.config ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (file !== undefined) {
    try {
      raw = parseConfigText(readConfigText(file), file);
      parseConfig(raw, io.env); // every problem with its path, before anything starts
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      reportConfigProblems(file, error, io); // naming the file: it may be the implicit ./switchyard.yaml
      if (options.debug && error.stack !== undefined) io.stderr(`${error.stack}\n`);
      return 1;
    }
    notes.push(`configuration: ${file}`);
  } else {
    const demo = await demoConfig(io.env, clock);
    raw = demo.config;
    notes.push(...demo.notes);
  }
  // The inspector's libraries load only when asked for.
  // Until the gateway exists (provider actors start with the engine), only key-shaped text is scrubbed: nothing else is there yet.
  let secrets = (): readonly string[] => [];
  const relay = options.inspect ? await (await import('../server/inspect.js')).startInspectRelay(0, { secrets: () => secrets(), clock }) : undefined;
  if (relay !== undefined) {
    io.stderr(
      `switchyard: inspector on ${relay.url} (the Stately inspector it embeds needs internet access); ` +
        `raw inspection events on ${relay.feedUrl}; both on 127.0.0.1 only\n`,
    );
  }
  let engine;
  try {
    engine = createSwitchyard(raw, { clock, env: io.env, ...(relay === undefined ? {} : { inspect: relay.inspect }) });
  } catch (error) {
    await relay?.close();
    throw error;
  }
  // `POST /admin/reload` reads the file again (the demo has none to read).
  const readConfig = file === undefined ? undefined : () => parseConfigText(readForReload(file), file);
  const pinned = [...(options.host === undefined ? [] : ['server.host' as const]), ...(options.port === undefined ? [] : ['server.port' as const])];
  const gateway = createGateway(engine, {
    ...(hooks.logDestination === undefined ? {} : { logDestination: hooks.logDestination }),
    ...(readConfig === undefined ? {} : { readConfig, pinned }),
  });
  secrets = () => gateway.secrets;
  engine.on('state.changed', (event) => gateway.logger.info('provider state changed', { provider: event.provider, from: event.from, to: event.to, ...(event.reason === undefined ? {} : { reason: event.reason }) }));
  const host = options.host ?? engine.config.server.host;
  const port = options.port ?? engine.config.server.port;
  let address;
  try {
    address = await gateway.listen(port, host);
  } catch (error) {
    await engine.stop();
    await relay?.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new SwitchyardError('listen_failed', `cannot listen on ${host}:${port}: ${LISTEN_ERRORS[code ?? ''] ?? (error instanceof Error ? error.message : String(error))}`, { cause: error });
  }
  const shown = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shown}:${address.port}`;
  io.stdout(`switchyard listening on ${url}\n`);
  hooks.onListening?.(url);
  for (const note of notes) gateway.logger.info(note);
  gateway.logger.info('listening', { url, providers: engine.config.providers.map((p) => p.name), auth: gateway.keysRequired });

  const signal = await shutdown;
  gateway.logger.info('shutting down: draining requests under way', { signal: typeof signal === 'string' ? signal : 'shutdown', in_flight: gateway.active, drain_timeout_ms: engine.config.server.drainTimeoutMs });
  // A second signal ends the drain at once: what is left is cancelled (503 / an error
  // event), and the process still exits 0.
  const hurry = hooks.hurry ?? (hooks.shutdown === undefined ? signals.next() : new Promise<string>(() => undefined));
  let hurried = false;
  void hurry.then((second) => {
    hurried = true;
    gateway.logger.warn('second signal: cancelling the requests still under way', { signal: typeof second === 'string' ? second : 'hurry', in_flight: gateway.active });
    gateway.endDrain();
  });
  const { drained } = await gateway.close();
  await relay?.close();
  const ending = hurried ? 'a second signal cancelled the remaining requests' : 'drain timeout passed, remaining requests were cancelled';
  gateway.logger.info(drained ? 'stopped: every request finished' : `stopped: ${ending}`);
  await gateway.logger.flush();
  return 0;
}

/** The largest configuration file a reload reads (the event loop waits while it does). */
const MAX_RELOAD_BYTES = 4 * 1024 * 1024;

/**
 * The configuration file's text for a reload, which runs in the serving process: only a
 * regular file (a FIFO, which the command line may be given at start-up, would block the
 * event loop until someone writes to it) of at most {@link MAX_RELOAD_BYTES}. The file is
 * opened once, without blocking, and checked and read through that one descriptor, so what
 * is read is what was checked.
 */
function readForReload(file: string): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new ConfigError([`${file}: ${unreadable(error)}`]);
  }
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw new ConfigError([`${file}: is a directory`]);
    if (!stats.isFile()) throw new ConfigError([`${file}: not a regular file; a reload reads only a regular file`]);
    const buffer = Buffer.allocUnsafe(MAX_RELOAD_BYTES + 1);
    let length = 0;
    try {
      for (let read = -1; read !== 0 && length < buffer.length; length += read) read = readSync(fd, buffer, length, buffer.length - length, null);
    } catch (error) {
      throw new ConfigError([`${file}: ${unreadable(error)}`]);
    }
    if (length > MAX_RELOAD_BYTES) throw new ConfigError([`${file}: over the ${MAX_RELOAD_BYTES} bytes a reload reads`]);
    return decodeConfigBytes(buffer.subarray(0, length), file);
  } finally {
    closeSync(fd);
  }
}

/**
 * SIGTERM, SIGINT and SIGHUP, one at a time: `next()` resolves with the name of the next one.
 * SIGHUP (a closed terminal; `serve` reloads on `POST /admin/reload`, not on a signal) drains like the others
 * rather than killing the process with requests under way. `dispose()` removes every handler
 * still installed.
 */
class SignalWatch {
  private readonly installed = new Map<NodeJS.Signals, () => void>();

  next(): Promise<string> {
    return new Promise((resolve) => {
      this.dispose();
      for (const name of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
        this.installed.set(name, () => {
          this.dispose();
          resolve(name);
        });
      }
      for (const [name, handler] of this.installed) process.once(name, handler);
    });
  }

  dispose(): void {
    for (const [name, handler] of this.installed) process.off(name, handler);
    this.installed.clear();
  }
}

/** Why a host and port cannot be bound, in plain words. */
const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'the address is in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'no network interface of this machine has that address',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name cannot be resolved right now',
};
