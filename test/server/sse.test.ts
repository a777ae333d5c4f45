/**
 * The SSE writer waits for `drain` when the socket buffer is full, stops when the client is
 * gone, and cuts off a client that stops reading (on the injected clock).
 */
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../src/core/clock.js';
import { STALL_MS, SseWriter } from '../../src/server/sse.js';

function fakeResponse(accept: boolean[]) {
  const res = new EventEmitter() as EventEmitter & { written: string[]; destroyed: boolean; writableEnded: boolean; write(s: string): boolean; end(): void; destroy(): void };
  res.written = [];
  res.destroy = () => {
    res.destroyed = true;
    res.emit('close');
  };
  res.destroyed = false;
  res.writableEnded = false;
  res.write = (s: string) => (res.written.push(s), accept.shift() ?? true);
  res.end = () => void (res.writableEnded = true);
  return res;
}

describe('SseWriter', () => {
  it('resolves at once while write() accepts, and waits for drain when it does not', async () => {
    const res = fakeResponse([true, false]);
    const sse = new SseWriter(res as unknown as ServerResponse, new VirtualClock(0));
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

  it('cuts off a client that leaves a full buffer unread for STALL_MS, and leaves no timer', async () => {
    const clock = new VirtualClock(0);
    const res = fakeResponse([false]);
    const sse = new SseWriter(res as unknown as ServerResponse, clock);
    const pending = sse.data('1');
    clock.advanceSync(STALL_MS - 1);
    expect(res.destroyed).toBe(false);
    clock.advanceSync(1);
    await pending;
    expect(res.destroyed).toBe(true);
    expect(sse.isClosed).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('clears the stall timer when the client drains in time', async () => {
    const clock = new VirtualClock(0);
    const res = fakeResponse([false]);
    const sse = new SseWriter(res as unknown as ServerResponse, clock);
    const pending = sse.data('1');
    clock.advanceSync(STALL_MS - 1);
    res.emit('drain');
    await pending;
    expect(clock.pending).toBe(0);
    expect(res.destroyed).toBe(false);
  });

  it('stops waiting and writing once the client is gone', async () => {
    const res = fakeResponse([false]);
    const sse = new SseWriter(res as unknown as ServerResponse, new VirtualClock(0));
    const pending = sse.data('1');
    res.emit('close');
    await pending;
    await sse.data('2');
    expect(res.written).toEqual(['data: 1\n\n']);
    expect(sse.isClosed).toBe(true);
  });
});
