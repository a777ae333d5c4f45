import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRealClock, VirtualClock, wallTime, type Clock } from '../../src/core/clock.js';

describe('VirtualClock', () => {
  it('fires live timers in (deadline, schedule order) whatever is cancelled', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ ms: fc.integer({ min: 0, max: 50 }), cancel: fc.boolean() }), { maxLength: 3000 }),
        (plan) => {
          const clock = new VirtualClock();
          const fired: number[] = [];
          const handles = plan.map((step, i) => clock.setTimeout(() => fired.push(i), step.ms));
          plan.forEach((step, i) => step.cancel && clock.clearTimeout(handles[i]));
          clock.advanceSync(100);
          const expected = plan
            .map((step, i) => ({ ...step, i }))
            .filter((step) => !step.cancel)
            .sort((a, b) => a.ms - b.ms || a.i - b.i)
            .map((step) => step.i);
          expect(fired).toEqual(expected);
          expect(clock.pending).toBe(0);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('counts pending timers exactly and ignores handles it did not issue or that already fired', () => {
    const clock = new VirtualClock();
    const other = new VirtualClock();
    const fired: string[] = [];
    const a = clock.setTimeout(() => fired.push('a'), 10);
    const foreign = other.setTimeout(() => fired.push('foreign'), 10);
    clock.setTimeout(() => fired.push('b'), 20);
    expect(clock.pending).toBe(2);
    clock.clearTimeout(foreign);
    expect([clock.pending, other.pending]).toEqual([2, 1]);
    clock.advanceSync(10);
    clock.clearTimeout(a); // already fired: nothing to cancel
    expect([fired, clock.pending]).toEqual([['a'], 1]);
    clock.advanceSync(10);
    other.advanceSync(10);
    expect([fired, clock.pending, other.pending]).toEqual([['a', 'b', 'foreign'], 0, 0]);
  });

  it('does not keep cancelled timers (or their callbacks) around', () => {
    const clock = new VirtualClock();
    const keep = clock.setTimeout(() => undefined, 1_000_000);
    for (let i = 0; i < 100_000; i++) clock.clearTimeout(clock.setTimeout(() => undefined, 120_000));
    expect(clock.pending).toBe(1);
    expect((clock as unknown as { heap: unknown[] }).heap.length).toBeLessThan(2100);
    expect(clock.nextDeadline()).toBe(1_000_000);
    clock.clearTimeout(keep);
  });

  it('settle advances only as far as the promise needs, and refuses one that cannot settle', async () => {
    const clock = new VirtualClock(1000);
    clock.setTimeout(() => undefined, 60_000);
    const answer = new Promise<string>((resolve) => clock.setTimeout(() => resolve('done'), 250));
    expect(await clock.settle(answer)).toBe('done');
    expect([clock.now(), clock.pending]).toEqual([1250, 1]);
    const failing = new Promise((_, reject) => clock.setTimeout(() => reject(new Error('boom')), 10));
    await expect(clock.settle(failing)).rejects.toThrow('boom');
    await expect(clock.settle(new Promise(() => undefined), 5000)).rejects.toThrow('did not settle within 5000 virtual ms');
    expect(clock.now()).toBe(1260);
  });
});

describe('the real clock and the wall clock', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('keeps engine time monotonic when the wall clock is stepped back, and still tells the wall time', () => {
    const clock = createRealClock();
    const before = clock.now();
    expect(Math.abs(before - Date.now())).toBeLessThan(50); // anchored to the wall clock
    const wall = Date.now;
    vi.spyOn(Date, 'now').mockImplementation(() => wall() - 3_600_000); // NTP, an operator, a VM: an hour back
    const after = clock.now();
    expect(after).toBeGreaterThanOrEqual(before);
    expect(after - before).toBeLessThan(1_000);
    expect(Number.isInteger(after)).toBe(true);
    expect(before - clock.wallNow!()).toBeGreaterThan(3_590_000);
    // An engine time shown to people is the wall clock's, stepped or not.
    expect(before - wallTime(clock, after)).toBeGreaterThan(3_590_000);
  });

  it('converts engine times to wall times by the offset between the two, now', () => {
    let engine = 1_000;
    let wall = 1_700_000_000_000;
    const clock: Clock = { now: () => engine, wallNow: () => wall, setTimeout: () => undefined, clearTimeout: () => undefined };
    expect(wallTime(clock)).toBe(wall);
    expect(wallTime(clock, 4_000)).toBe(wall + 3_000);
    wall -= 60_000; // stepped back a minute
    engine += 10;
    expect(wallTime(clock, 4_000)).toBe(wall + 2_990);
    // A clock without a wall clock of its own is one (virtual clocks).
    const virtual = new VirtualClock(5_000);
    expect(wallTime(virtual)).toBe(5_000);
    expect(wallTime(virtual, 7_000)).toBe(7_000);
  });
});
