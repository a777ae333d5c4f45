/**
 * `serve --inspect`: every actor's transitions, live, for the Stately inspector or any
 * WebSocket client. A relay of our own, bound to 127.0.0.1 only (not the one in
 * `@statelyai/inspect/server`, which listens on every interface): a WebSocket endpoint that
 * broadcasts the inspection events `@statelyai/inspect`'s `createInspector` formats, and a
 * small page at `/` that hands them to the hosted Stately inspector (which needs internet
 * access; the WebSocket feed itself does not).
 *
 * What leaves the process is sanitized, since routers hold their candidates (credentials
 * included): events keep only their primitive fields, contexts only a whitelist.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInspector, type StatelyInspectionEvent } from '@statelyai/inspect';
import type { AnyEventObject, InspectionEvent, Observer } from 'xstate';
import { WebSocket, WebSocketServer } from 'ws';
import { wallTime, type Clock } from '../core/clock.js';
import { redactSecrets } from '../providers/shared/redact.js';

/** A running relay. */
export interface InspectRelay {
  /** The page to open in a browser. */
  url: string;
  /** The WebSocket feed (one JSON inspection event per message). */
  feedUrl: string;
  /** Give it to the engine (`createSwitchyard(config, { inspect })`). */
  inspect: Observer<InspectionEvent>;
  close(): Promise<void>;
}

/** Events replayed to a viewer that connects late, so it sees the providers' current states. */
const REPLAY = 500;
/** A viewer this far behind is skipped until it catches up (memory stays bounded). */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** Options of {@link startInspectRelay}. */
export interface InspectRelayOptions {
  /** Credentials to scrub from text, as `/providers` does (the gateway's list); key-shaped text is scrubbed anyway. */
  secrets?: () => readonly string[];
  /**
   * The engine's clock: a provider's `cooldownUntil` and `rateLimitedUntil` are then shown
   * as ISO times on the wall clock, as `/providers` shows them, instead of engine time
   * (milliseconds on a monotonic clock, which mean nothing to a viewer).
   */
  clock?: Clock;
}

/** Starts the relay on 127.0.0.1 (`port` 0 picks a free one). */
export async function startInspectRelay(port = 0, options: InspectRelayOptions = {}): Promise<InspectRelay> {
  const secrets = options.secrets ?? (() => []);
  const http = createServer((req, res) => {
    if (req.url === '/' || req.url === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(viewerPage());
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  const feed = new WebSocketServer({ server: http, path: '/feed' });
  const recent: string[] = [];
  feed.on('connection', (socket) => {
    socket.on('error', () => socket.terminate());
    for (const message of recent) socket.send(message);
  });

  const inspector = createInspector(
    {
      send(event) {
        const message = JSON.stringify(event);
        recent.push(message);
        if (recent.length > REPLAY) recent.shift();
        for (const client of feed.clients) {
          if (client.readyState === WebSocket.OPEN && client.bufferedAmount < MAX_BUFFERED_BYTES) client.send(message);
        }
      },
    },
    { sanitizeContext: (context) => sanitizeContext(context, secrets(), options.clock), sanitizeEvent: (event) => sanitizeEvent(event, secrets()), serialize: withoutInternals },
  );

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', () => resolve());
  });
  const actualPort = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actualPort}/`,
    feedUrl: `ws://127.0.0.1:${actualPort}/feed`,
    inspect: inspector.inspect,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of feed.clients) client.terminate();
        feed.close();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

type Json = string | number | boolean | null;

/**
 * An event's type and primitive fields: no actor refs, results, errors or requests. Text is
 * scrubbed of `secrets` and of anything key-shaped (an operator's disable `reason` is free
 * text), as `/providers` scrubs it.
 */
export function sanitizeEvent(event: AnyEventObject, secrets: readonly string[] = []): AnyEventObject {
  const safe: { type: string; [key: string]: Json } = { type: String(event.type) };
  for (const [key, value] of Object.entries(event)) {
    if (typeof value === 'string') safe[key] = redactSecrets(value, secrets);
    else if (value === null || typeof value === 'number' || typeof value === 'boolean') safe[key] = value;
  }
  return safe;
}

const PROVIDER_FIELDS = ['name', 'generation', 'inFlight', 'probesInFlight', 'consecutiveFailures', 'latencyMs', 'tripCount', 'cooldownUntil', 'rateLimitedUntil', 'disabledReason', 'stats'] as const;

/** Provider fields that hold an engine time. */
const PROVIDER_TIMES = ['cooldownUntil', 'rateLimitedUntil'] as const;

/**
 * A whitelist per known actor: a provider's health fields, a router's request id and
 * attempts. With the engine's `clock`, a provider's times become ISO times on the wall clock.
 */
export function sanitizeContext(context: unknown, secrets: readonly string[] = [], clock?: Clock): Record<string, unknown> {
  if (typeof context !== 'object' || context === null) return {};
  const record = context as Record<string, unknown>;
  if ('health' in record && 'generation' in record) {
    const safe: Record<string, unknown> = {};
    for (const key of PROVIDER_FIELDS) safe[key] = record[key];
    if (typeof safe.disabledReason === 'string') safe.disabledReason = redactSecrets(safe.disabledReason, secrets);
    if (clock !== undefined) {
      for (const key of PROVIDER_TIMES) {
        const at = safe[key];
        if (typeof at === 'number') safe[key] = new Date(wallTime(clock, at)).toISOString();
      }
    }
    return safe;
  }
  const input = record.input as { requestId?: unknown; mode?: unknown } | undefined;
  if (input !== undefined && 'attempts' in record) {
    // A snapshot arrives here already through JSON (a route member's is its name and index).
    const candidate = (record.current as { candidate?: { name?: unknown } } | undefined)?.candidate;
    return { requestId: input.requestId, mode: input.mode, attempts: record.attempts, provider: candidate?.name ?? null };
  }
  return {};
}

/** Keeps a snapshot's status, value and (sanitized) context; drops the machine, children and output. */
function withoutInternals(event: StatelyInspectionEvent): StatelyInspectionEvent {
  if (event.type !== '@xstate.actor' && event.type !== '@xstate.snapshot') return event;
  const { status, value, context } = event.snapshot as { status: 'active'; value?: unknown; context?: unknown };
  return { ...event, snapshot: { status, value, context } } as StatelyInspectionEvent;
}

function viewerPage(): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Switchyard inspector</title>
<style>html,body,iframe{margin:0;height:100%;width:100%;border:0}</style></head>
<body><iframe id="viewer" src="https://stately.ai/inspect"></iframe>
<script>
  // Hands the relay's events to the Stately inspector once it says it is ready.
  const viewer = document.getElementById('viewer');
  const waiting = [];
  let ready = false;
  addEventListener('message', (message) => {
    if (message.data && message.data.type === '@statelyai.connected') {
      ready = true;
      for (const event of waiting.splice(0)) viewer.contentWindow.postMessage(event, '*');
    }
  });
  const feed = new WebSocket('ws://' + location.host + '/feed');
  feed.onmessage = (message) => {
    const event = JSON.parse(message.data);
    if (ready) viewer.contentWindow.postMessage(event, '*');
    else waiting.push(event);
  };
</script></body></html>
`;
}
