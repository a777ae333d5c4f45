/** The SSE writer waits for `drain` when the socket buffer is full, and stops when the client is gone. */
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { SseWriter } from '../../src/server/sse.js';

function fakeResponse(accept: boolean[]) {
  const res = new EventEmitter() as EventEmitter & { written: string[]; destroyed: boolean; writableEnded: boolean; write(s: string): boolean; end(): void };
  res.written = [];
  res.destroyed = false;
  res.writableEnded = false;
  res.write = (s: string) => (res.written.push(s), accept.shift() ?? true);
  res.end = () => void (res.writableEnded = true);
  return res;
}

describe('SseWriter', () => {
  it('resolves at once while write() accepts, and waits for drain when it does not', async () => {
    const res = fakeResponse([true, false]);
    const sse = new SseWriter(res as unknown as ServerResponse);
    await sse.data('1');
    let resolved = false;
    const pending = sse.data('2').then(() => (resolved = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(resolved).toBe(false);
    res.emit('drain');
    await pending;
    expect(res.written).toEqual(['data: 1\n\n', 'data: 2\n\n']);
    expect(res.listenerCount('drain')).toBe(0);
  });

  it('stops waiting and writing once the client is gone', async () => {
    const res = fakeResponse([false]);
    const sse = new SseWriter(res as unknown as ServerResponse);
    const pending = sse.data('1');
    res.emit('close');
    await pending;
    await sse.data('2');
    expect(res.written).toEqual(['data: 1\n\n']);
    expect(sse.isClosed).toBe(true);
  });
});
