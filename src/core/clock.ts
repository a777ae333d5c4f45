/**
 * The one clock. Every timestamp and every timer in Switchyard goes through a {@link Clock};
 * nothing else reads or schedules time. The same object is handed to XState
 * (`createActor(machine, { clock })`), so actor delays and IO timers share one timeline.
 */

/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/** A source of time and timers; structurally compatible with XState's `Clock`. */
export interface Clock {
  /**
   * Milliseconds on the engine's timeline, for durations, deadlines and windows. The real
   * clock's is monotonic, anchored to the wall clock when it was created (a wall-clock
   * step must not make a latency negative or freeze a health window); virtual clocks
   * start wherever they are told.
   */
  now(): number;
  /**
   * Wall-clock milliseconds since the Unix epoch, for what people and other systems read:
   * log timestamps, ISO times in `/providers`, `created`, HTTP dates. Without it, `now()` is
   * the wall clock too (virtual clocks). Convert with {@link wallTime}.
   */
  wallNow?(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * Production clock: Node's timers, and a monotonic `now()` (whole milliseconds) that starts
 * at the wall-clock time of its creation; `wallNow()` is `Date.now()`. The two part only
 * when the wall clock is stepped (NTP, an operator, a VM resumed from suspend).
 */
export function createRealClock(): Clock {
  const origin = Date.now() - performance.now();
  return {
    now: () => Math.floor(origin + performance.now()),
    wallNow: () => Date.now(),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

/** The wall-clock time (ms since the epoch) of `at` on `clock`'s timeline: now, by default. */
export function wallTime(clock: Clock, at?: number): number {
  const wall = clock.wallNow?.();
  if (wall === undefined) return at ?? clock.now();
  return at === undefined ? wall : at + (wall - clock.now());
}

/** A scheduled callback; its own handle. */
class VirtualTimer {
  /** False once fired or cancelled. */
  live = true;
  constructor(
    /** The clock that scheduled it (a handle from another clock is ignored). */
    readonly owner: VirtualClock,
    readonly at: number,
    readonly seq: number,
    public fn: () => void,
  ) {}
}

/** Heaps smaller than this are never compacted (not worth it). */
const COMPACT_ABOVE = 1024;

function noop(): void {}

/**
 * Virtual time for tests and the simulator. Timers fire in deadline order, each with
 * `now()` equal to its own deadline, so a timer scheduled by another timer's callback is
 * anchored correctly (XState's `SimulatedClock` anchors it at the end of the whole window).
 * Timers live in a binary heap: scheduling and firing are O(log n).
 *
 * @example
 * const clock = new VirtualClock();
 * const actor = createActor(machine, { clock }).start();
 * await clock.advance(10_000); // fires every timer due in the next 10 s, in order
 */
export class VirtualClock implements Clock {
  private current: number;
  private readonly heap: VirtualTimer[] = [];
  /** Timers scheduled and neither fired nor cancelled. */
  private liveCount = 0;
  private seq = 0;

  /** @param start the initial `now()`, in ms. @default 0 */
  constructor(start = 0) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = new VirtualTimer(this, this.current + Math.max(0, ms), this.seq++, fn);
    this.liveCount++;
    this.push(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    // Cancelled timers stay in the heap and are skipped when popped (lazy deletion). Their
    // callback is dropped at once (it may hold a whole request), and the heap is rebuilt
    // when cancelled entries outnumber live ones, so long runs keep flat memory.
    if (!(handle instanceof VirtualTimer) || handle.owner !== this || !handle.live) return;
    handle.live = false;
    handle.fn = noop;
    this.liveCount--;
    if (this.heap.length > COMPACT_ABOVE && this.heap.length > 2 * this.liveCount) this.compact();
  }

  /** Number of timers still scheduled. */
  get pending(): number {
    return this.liveCount;
  }

  /** Deadline of the earliest live timer, or `undefined` when none is scheduled. */
  nextDeadline(): number | undefined {
    this.dropCancelled();
    return this.heap[0]?.at;
  }

  /**
   * Fires every timer due up to `now() + ms` synchronously, in deadline order, then sets
   * `now()` to the end of the window. Callbacks may schedule more timers; those due inside
   * the window fire too.
   */
  advanceSync(ms: number): void {
    const end = this.current + Math.max(0, ms);
    for (;;) {
      this.dropCancelled();
      const top = this.heap[0];
      if (top === undefined || top.at > end) break;
      this.pop();
      this.current = Math.max(this.current, top.at);
      this.fire(top);
    }
    this.current = end;
  }

  /**
   * Like {@link advanceSync}, but lets pending promise callbacks (IO actors, adapters) run
   * after each timer, so work they schedule in response lands on the same timeline.
   */
  async advance(ms: number): Promise<void> {
    const end = this.current + Math.max(0, ms);
    await flushMicrotasks();
    for (;;) {
      this.dropCancelled();
      const top = this.heap[0];
      if (top === undefined || top.at > end) break;
      this.pop();
      this.current = Math.max(this.current, top.at);
      this.fire(top);
      await flushMicrotasks();
    }
    this.current = end;
  }

  /** Fires timers until none is left or `limitMs` of virtual time has passed. */
  async runAll(limitMs = 24 * 3600_000): Promise<void> {
    const stop = this.current + limitMs;
    for (;;) {
      // Pending promise reactions may still schedule timers: let them run first.
      await flushMicrotasks();
      const next = this.nextDeadline();
      if (next === undefined || next > stop) break;
      await this.advance(next - this.current);
    }
  }

  /**
   * Advances time timer by timer, only as far as needed, until `promise` settles; resolves
   * or rejects as it does. Throws when no timer is left (it would never settle) or it has
   * not settled within `limitMs` of virtual time.
   *
   * @param limitMs how much virtual time may pass. @default 3_600_000 (one hour)
   * @example
   * const answer = await clock.settle(switchyard.chat(request));
   */
  async settle<T>(promise: Promise<T>, limitMs = 3_600_000): Promise<T> {
    let done = false;
    const tracked = promise.finally(() => {
      done = true;
    });
    tracked.catch(() => undefined);
    const stop = this.current + limitMs;
    await flushMicrotasks();
    while (!done) {
      const next = this.nextDeadline();
      if (next === undefined || next > stop) {
        await flushMicrotasks(50);
        if (!done) throw new Error(`promise did not settle within ${limitMs} virtual ms (pending timers: ${this.pending})`);
        break;
      }
      await this.advance(Math.max(0, next - this.current));
    }
    return tracked;
  }

  /** Runs a due timer once; its handle keeps nothing alive afterwards. */
  private fire(timer: VirtualTimer): void {
    const fn = timer.fn;
    timer.live = false;
    timer.fn = noop;
    this.liveCount--;
    fn();
  }

  /** Rebuilds the heap from the live timers only (O(n)). */
  private compact(): void {
    const heap = this.heap;
    let kept = 0;
    for (const timer of heap) if (timer.live) heap[kept++] = timer;
    heap.length = kept;
    for (let i = (kept >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }

  private dropCancelled(): void {
    while (this.heap.length > 0 && !this.heap[0]!.live) this.pop();
  }

  private push(timer: VirtualTimer): void {
    const heap = this.heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    heap[0] = last;
    this.siftDown(0);
  }

  private siftDown(start: number): void {
    const heap = this.heap;
    let i = start;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
      if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
      if (smallest === i) break;
      [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
      i = smallest;
    }
  }
}

function before(a: VirtualTimer, b: VirtualTimer): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

/** Lets queued promise reactions run (several rounds, for chains of awaits). */
export async function flushMicrotasks(rounds = 8): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}

/**
 * Resolves after `ms` on `clock`, or rejects with the signal's reason when it aborts first.
 * The timer is always cleared, so an aborted sleep leaves nothing behind.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clock.clearTimeout(handle);
      reject(signal!.reason);
    };
    const handle = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
