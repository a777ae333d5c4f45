/**
 * Requests that share a caller's `AbortSignal` (one per service, say, reused for thousands
 * of requests) put one `abort` listener on it in all, not one each: no MaxListeners warning,
 * and a signal that outlives its requests keeps nothing of them once they have ended.
 */

interface Watch {
  readonly callbacks: Set<() => void>;
  readonly listener: () => void;
}

const watches = new WeakMap<AbortSignal, Watch>();

/**
 * Calls `callback` when `signal` aborts (the caller checks `signal.aborted` first); returns
 * the function that stops watching, to call when the request ends. The last request to stop
 * watching a signal takes the listener off it.
 */
export function watchAbort(signal: AbortSignal, callback: () => void): () => void {
  const watch = watches.get(signal) ?? startWatch(signal);
  const { callbacks, listener } = watch;
  callbacks.add(callback);
  return () => {
    if (!callbacks.delete(callback) || callbacks.size > 0 || watches.get(signal) !== watch) return;
    watches.delete(signal);
    signal.removeEventListener('abort', listener);
  };
}

function startWatch(signal: AbortSignal): Watch {
  const callbacks = new Set<() => void>();
  const listener = () => {
    watches.delete(signal);
    for (const call of callbacks) call();
    callbacks.clear();
  };
  const watch = { callbacks, listener };
  watches.set(signal, watch);
  signal.addEventListener('abort', listener, { once: true });
  return watch;
}
