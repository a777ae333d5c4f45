/** Small HTTP helpers: bounded JSON bodies and JSON/error responses. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { GatewayError, type HttpFailure } from './errors.js';

/** A JSON body and its size in bytes. */
export interface JsonBody {
  value: unknown;
  bytes: number;
}

/** Reads the body as JSON, refusing more than `limit` bytes with a 413 and bad JSON with a 400. */
export function readJson(req: IncomingMessage, limit: number): Promise<JsonBody> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      return reject(tooLarge(limit));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        return reject(tooLarge(limit));
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      const raw = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
      // A UTF-8 byte order mark (some Windows clients write one) is not part of the JSON text.
      const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (text.trim() === '') return reject(new GatewayError(400, 'invalid_request', 'the request body is empty; expected a JSON object'));
      try {
        resolve({ value: JSON.parse(text) as unknown, bytes: size });
      } catch (error) {
        // V8's message quotes the input: keep only where it broke.
        const where = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
        reject(new GatewayError(400, 'invalid_json', `the request body is not valid JSON${where === undefined ? '' : ` (at position ${where})`}`));
      }
    });
    req.on('error', () => {
      if (failed) return;
      // A client that hung up mid-upload is gone (499 in the log), not a bad request.
      if (req.destroyed && !req.complete) reject(new GatewayError(499, 'client_closed_request', 'the client closed the connection during the upload'));
      else reject(new GatewayError(400, 'invalid_request', 'the request body could not be read'));
      failed = true;
    });
  });
}

function tooLarge(limit: number): GatewayError {
  return new GatewayError(413, 'request_too_large', `the request body is larger than the limit of ${limit} bytes`);
}

/** Sends a JSON response. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Sends an error response. */
export function sendFailure(res: ServerResponse, failure: HttpFailure, headers: Record<string, string> = {}): void {
  sendJson(res, failure.status, failure.body, { ...headers, ...failure.headers });
}
