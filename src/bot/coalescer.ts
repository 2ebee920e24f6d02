/**
 * Runs work per key at most once per interval: a burst of marks on one key becomes one run, and the
 * run always sees the latest state because it reads it when it runs (not when it was marked).
 */
export interface Coalescer<K> {
  mark(key: K): void;
  /** Runs everything marked now; used at shutdown and by tests. */
  flush(): Promise<void>;
}

export function createCoalescer<K>(
  intervalMs: number,
  run: (key: K) => Promise<void>,
  onError: (error: unknown, key: K) => void,
): Coalescer<K> {
  const timers = new Map<K, NodeJS.Timeout>();
  const lastRun = new Map<K, number>();
  const running = new Map<K, Promise<void>>();

  const execute = async (key: K): Promise<void> => {
    timers.delete(key);
    // A run in flight for this key finishes first; then one more run picks up the newest state.
    await running.get(key);
    lastRun.set(key, Date.now());
    const task = run(key).catch((error: unknown) => onError(error, key));
    running.set(key, task);
    await task;
    if (running.get(key) === task) running.delete(key);
  };

  return {
    mark(key) {
      if (timers.has(key)) return;
      const wait = Math.max(0, (lastRun.get(key) ?? -Infinity) + intervalMs - Date.now());
      timers.set(
        key,
        setTimeout(() => void execute(key), wait),
      );
    },
    async flush() {
      const keys = [...timers.keys()];
      for (const key of keys) clearTimeout(timers.get(key));
      await Promise.all([...keys.map((key) => execute(key)), ...running.values()]);
    },
  };
}
