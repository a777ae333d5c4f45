/**
 * A fake upstream on a real socket (node:http on 127.0.0.1, port 0) that speaks one
 * provider's wire format through a {@link FakeWire}, plays queued {@link Behaviour}s and
 * records every request, so tests exercise the real HTTP stack: headers, chunking, resets.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Behaviour, FakeWire, RecordedRequest, ResolvedReply, ScriptedReply } from './types.js';

/** A running fake upstream. */
export interface FakeUpstream {
  readonly wire: FakeWire;
  /** Base URL to configure an adapter with (origin + the wire's base path). */
  readonly baseUrl: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Calls that are hanging right now (before headers or mid-body). */
  readonly hanging: number;
  /** Client connections open now (kept-alive idle ones included). */
  readonly connections: number;
  /** Queues behaviours for the next calls. */
  enqueue(...behaviours: Behaviour[]): void;
  /** Resolves once `check()` holds (re-checked whenever a request arrives, starts or stops hanging, or a connection closes). */
  until(check: (fake: FakeUpstream) => boolean): Promise<void>;
  /** Clears the queue and the recorded requests; ends hanging calls. */
  reset(): void;
  /** Destroys every socket and closes the server. */
  close(): Promise<void>;
}

/** Options of {@link startFakeUpstream}. */
export interface FakeUpstreamOptions {
  /** Picks the behaviour of a call before the queue is consulted (`undefined`: take the queue's). */
  choose?: (request: RecordedRequest) => Behaviour | undefined;
}

/** Starts a fake for `wire` on 127.0.0.1 with a free port. */
export async function startFakeUpstream(wire: FakeWire, options: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const queue: Behaviour[] = [];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const hangingResponses = new Set<ServerResponse>();
  let waiters: { check: (fake: FakeUpstream) => boolean; resolve: () => void }[] = [];

  const notify = (): void => {
    const ready = waiters.filter((waiter) => waiter.check(fake));
    waiters = waiters.filter((waiter) => !ready.includes(waiter));
    for (const waiter of ready) waiter.resolve();
  };
  const hang = (res: ServerResponse): void => {
    hangingResponses.add(res);
    res.on('close', () => {
      hangingResponses.delete(res);
      notify();
    });
    notify();
  };

  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const recorded: RecordedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body, json: tryJson(body), remotePort: req.socket.remotePort };
      requests.push(recorded);
      play(wire, options.choose?.(recorded) ?? queue.shift() ?? { type: 'ok' }, recorded, res, hang);
      notify();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      notify();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const fake: FakeUpstream = {
    wire,
    baseUrl: `http://127.0.0.1:${port}${wire.basePath}`,
    requests,
    get hanging() {
      return hangingResponses.size;
    },
    get connections() {
      return sockets.size;
    },
    enqueue: (...behaviours) => void queue.push(...behaviours),
    until: (check) => (check(fake) ? Promise.resolve() : new Promise((resolve) => waiters.push({ check, resolve }))),
    reset() {
      queue.length = 0;
      requests.length = 0;
      for (const res of hangingResponses) res.destroy();
      hangingResponses.clear();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}

/** Applies the defaults of a {@link ScriptedReply}. */
export function resolveReply(reply: ScriptedReply | undefined, request: RecordedRequest): ResolvedReply {
  const content = reply?.content ?? 'Hello from the fake upstream.';
  const toolCalls = reply?.toolCalls ?? [];
  const requested = (request.json as { model?: unknown } | undefined)?.model;
  const reasoning = reply?.reasoning ?? '';
  return {
    content,
    chunks: reply?.chunks ?? (content.match(/\S+\s*|\s+/g) ?? []),
    toolCalls,
    finish: reply?.finish ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
    reasoning,
    reasoningChunks: reasoning.match(/\S+\s*|\s+/g) ?? [],
    usage: reply?.usage === null ? null : (reply?.usage ?? { input: 11, output: 7 }),
    model: reply?.model ?? (typeof requested === 'string' ? requested : undefined),
  };
}

function play(wire: FakeWire, behaviour: Behaviour, request: RecordedRequest, res: ServerResponse, hang: (res: ServerResponse) => void): void {
  const stream = (reply: ScriptedReply | undefined) => wire.stream(resolveReply(reply, request), request);
  const json = (reply: ScriptedReply | undefined) => JSON.stringify(wire.json(resolveReply(reply, request), request));
  const streaming = wire.isStream(request);
  const refused = behaviour.type === 'ok' || behaviour.type === 'stream' ? wire.refuse?.(request) : undefined;
  if (refused) return send(res, refused.status, refused.body, refused.headers);
  switch (behaviour.type) {
    case 'ok': {
      const other = wire.other(request);
      if (other) return send(res, other.status, other.body, other.headers);
      if (streaming) return sendFrames(res, stream(behaviour.reply));
      return send(res, 200, wire.json(resolveReply(behaviour.reply, request), request));
    }
    case 'stream':
      return sendFrames(res, stream(behaviour.reply));
    case 'status':
      return send(res, behaviour.status, behaviour.body ?? '', behaviour.headers);
    case 'error': {
      const error = wire.error(behaviour.kind, behaviour.message);
      return send(res, error.status, error.body, { ...error.headers, ...behaviour.headers });
    }
    case 'stream-error': {
      const { contentType, frames, terminatorFrames } = stream(undefined);
      const body = frames.slice(0, Math.max(1, Math.floor((frames.length - terminatorFrames) / 2)));
      return sendFrames(res, { contentType, frames: [...body, wire.streamError(behaviour.kind)], terminatorFrames: 0 });
    }
    case 'hang-before-headers':
      return hang(res);
    case 'hang-mid-stream':
    case 'reset-mid-body': {
      let contentType = 'application/json';
      let partial: string;
      if (streaming) {
        const rendered = stream(behaviour.reply);
        contentType = rendered.contentType;
        partial = rendered.frames.slice(0, Math.max(1, Math.floor(rendered.frames.length / 2))).join('');
      } else {
        const text = json(behaviour.reply);
        partial = text.slice(0, Math.floor(text.length / 2));
      }
      res.writeHead(200, { 'content-type': contentType });
      if (behaviour.type === 'hang-mid-stream') return void res.write(partial, () => hang(res));
      return void res.write(partial, () => res.socket?.destroy());
    }
    case 'paused-stream': {
      const rendered = stream(behaviour.reply);
      const half = Math.max(1, Math.floor(rendered.frames.length / 2));
      res.writeHead(200, { 'content-type': rendered.contentType, 'cache-control': 'no-cache' });
      res.write(rendered.frames.slice(0, half).join(''));
      void behaviour.resume.then(
        () => void (res.destroyed || res.end(rendered.frames.slice(half).join(''))),
        () => res.destroy(),
      );
      return;
    }
    case 'reset-before-headers':
      res.socket?.destroy();
      return;
    case 'garbage-json':
      if (streaming) return sendFrames(res, { ...stream(undefined), frames: ['data: {"id": "x", "choices": [tru\n\n'], terminatorFrames: 0 });
      return send(res, 200, '{"id": "chatcmpl-1", "choices": [{"message": tru', { 'content-type': 'application/json' });
    case 'wrong-shape-json': {
      if (!streaming) return send(res, 200, '[1, 2, 3]', { 'content-type': 'application/json' });
      // A whole stream, terminator included, with one event of the wrong shape first: only
      // that event can make it fail.
      const rendered = stream(undefined);
      const frame = /event-stream/.test(rendered.contentType) ? 'data: [1, 2, 3]\n\n' : '[1, 2, 3]\n';
      return sendFrames(res, { ...rendered, frames: [frame, ...rendered.frames] });
    }
    case 'wrong-content-type':
      return send(res, 200, '<html><body>Please sign in to the corporate proxy</body></html>', { 'content-type': 'text/html; charset=utf-8' });
    case 'truncated-stream': {
      const rendered = stream(behaviour.reply);
      return sendFrames(res, { ...rendered, frames: rendered.frames.slice(0, rendered.frames.length - rendered.terminatorFrames) });
    }
    case 'echo-key-in-error': {
      const key = wire.credential(request) ?? 'none';
      const error = wire.error('auth', `Incorrect API key provided: ${key}. You can find your API key in your account settings.`);
      return send(res, error.status, error.body, error.headers);
    }
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const type = typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
  res.writeHead(status, { 'content-type': type, 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

function sendFrames(res: ServerResponse, stream: { contentType: string; frames: string[]; terminatorFrames?: number }): void {
  res.writeHead(200, { 'content-type': stream.contentType, 'cache-control': 'no-cache' });
  for (const frame of stream.frames) res.write(frame);
  res.end();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
