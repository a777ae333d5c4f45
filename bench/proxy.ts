/**
 * The baseline: a bare pass-through proxy (node:http + an undici Pool) in its own process.
 * Forwards method, path, headers and body; streams the answer back. Prints `listening PORT`.
 * `startProxy` is also the `xstate-proxy` layer of bench/layer-server.ts, with each upstream
 * request wrapped.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Pool, type Dispatcher } from 'undici';

type Send = (request: () => Promise<Dispatcher.ResponseData>) => Promise<Dispatcher.ResponseData>;

/** Starts the proxy in front of `upstreamUrl` on 127.0.0.1 (a free port); `send` makes each upstream request. */
export function startProxy(upstreamUrl: string, send: Send = (request) => request()): void {
  const upstream = new Pool(upstreamUrl, { connections: 128 });
  const server = createServer((req, res) => {
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.connection;
    send(() => upstream.request({ method: req.method as 'POST', path: req.url ?? '/', headers, body: req }))
      .then(({ statusCode, headers: answer, body }) => {
        delete answer.connection;
        delete answer['keep-alive'];
        delete answer['transfer-encoding'];
        res.writeHead(statusCode, answer as Record<string, string>);
        body.pipe(res);
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(502);
        res.end();
      });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.stdout.write(`listening ${(server.address() as AddressInfo).port}\n`));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  startProxy(process.env.UPSTREAM_URL!);
  process.on('SIGTERM', () => process.exit(0));
}
