/**
 * The baseline: a bare pass-through proxy (node:http + an undici Pool) in its own process.
 * Forwards method, path, headers and body; streams the answer back. Prints `listening PORT`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const upstream = new Pool(process.env.UPSTREAM_URL!, { connections: 128 });
const server = createServer((req, res) => {
  const headers = { ...req.headers };
  delete headers.host;
  delete headers.connection;
  upstream
    .request({ method: req.method as 'POST', path: req.url ?? '/', headers, body: req })
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
process.on('SIGTERM', () => process.exit(0));
