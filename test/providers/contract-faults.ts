/**
 * The fault list of the adapter contract: each scripted upstream failure and the
 * classification every adapter must give it (kind, HTTP status, retryAfterMs).
 */
import type { ErrorKind } from '../../src/core/errors.js';
import type { Behaviour, FakeWire, FaultKind } from '../fakes/types.js';
import { START } from './helpers.js';

/** One row of the fault table. */
export interface FaultCase {
  title: string;
  behaviour: Behaviour;
  kind: ErrorKind;
  /** Expected HTTP status; `undefined` when no status reached the adapter. */
  status?: number | undefined;
  retryAfterMs?: number;
  /** Only meaningful for one mode. */
  only?: 'chat' | 'stream';
}

const httpDate = new Date(START + 30_000).toUTCString();

/** The shared fault table for a wire (statuses come from the wire's own error replies). */
export function faultCases(wire: FakeWire, kinds: Partial<Record<FaultKind, ErrorKind>> = {}): FaultCase[] {
  const semantic = (kind: FaultKind, expected: ErrorKind, extra: Partial<FaultCase> = {}): FaultCase => ({
    title: `${kind} error as ${wire.name} sends it`,
    behaviour: { type: 'error', kind },
    kind: kinds[kind] ?? expected,
    status: wire.error(kind).status,
    ...extra,
  });
  return [
    semantic('rate_limit', 'rate_limit', {
      title: 'rate limit with Retry-After in seconds',
      behaviour: { type: 'error', kind: 'rate_limit', headers: { 'retry-after': '7' } },
      retryAfterMs: 7000,
    }),
    semantic('rate_limit', 'rate_limit', {
      title: 'rate limit with Retry-After as an HTTP date',
      behaviour: { type: 'error', kind: 'rate_limit', headers: { 'retry-after': httpDate } },
      retryAfterMs: 30_000,
    }),
    semantic('quota', 'quota'),
    semantic('server', 'server'),
    semantic('overloaded', 'server'),
    semantic('unavailable', 'server'),
    semantic('auth', 'auth'),
    semantic('model_not_found', 'model_not_found'),
    semantic('bad_request', 'bad_request'),
    semantic('context_length', 'context_length'),
    semantic('content_filter', 'content_filter'),
    { title: '502 with an HTML body from a proxy', behaviour: { type: 'status', status: 502, body: '<html><h1>502 Bad Gateway</h1></html>', headers: { 'content-type': 'text/html' } }, kind: 'server', status: 502 },
    { title: '503 with Retry-After', behaviour: { type: 'status', status: 503, body: '', headers: { 'retry-after': '2' } }, kind: 'server', status: 503, retryAfterMs: 2000 },
    { title: '504 from a gateway', behaviour: { type: 'status', status: 504, body: 'upstream request timeout' }, kind: 'server', status: 504 },
    { title: '403 without a body', behaviour: { type: 'status', status: 403, body: '' }, kind: 'auth', status: 403 },
    { title: 'a credential echoed in the error text', behaviour: { type: 'echo-key-in-error' }, kind: 'auth', status: wire.error('auth').status },
    { title: 'connection reset before headers', behaviour: { type: 'reset-before-headers' }, kind: 'network' },
    { title: 'connection reset mid-body', behaviour: { type: 'reset-mid-body' }, kind: 'network' },
    { title: 'invalid JSON', behaviour: { type: 'garbage-json' }, kind: 'malformed' },
    { title: 'valid JSON of the wrong shape', behaviour: { type: 'wrong-shape-json' }, kind: 'malformed' },
    { title: 'wrong content type', behaviour: { type: 'wrong-content-type' }, kind: 'malformed' },
    { title: 'a stream without its terminator', behaviour: { type: 'truncated-stream' }, kind: 'malformed', only: 'stream' },
    { title: 'an in-stream server error event', behaviour: { type: 'stream-error', kind: 'server' }, kind: 'server', only: 'stream' },
    { title: 'an in-stream overloaded event', behaviour: { type: 'stream-error', kind: 'overloaded' }, kind: 'server', only: 'stream' },
  ];
}
