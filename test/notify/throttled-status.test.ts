import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createThrottledStatus } from '../../src/notify/throttled-status.ts';

describe('throttled status message', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('posts once, then edits at most once per interval with the latest state', async () => {
    const sends: Array<[number, string | null]> = [];
    const status = createThrottledStatus<number>({
      intervalMs: 3000,
      now: () => Date.now(),
      send: (state, id) => {
        sends.push([state, id]);
        return Promise.resolve('m1');
      },
    });
    for (let i = 1; i <= 100; i++) {
      status.update(i);
      await vi.advanceTimersByTimeAsync(50);
    }
    // 100 updates over 5 s: the first at once, then one per 3 s window.
    expect(sends.length).toBeLessThanOrEqual(3);
    expect(sends[0]).toEqual([1, null]);
    expect(sends.slice(1).every(([, id]) => id === 'm1')).toBe(true);
    await status.finish(999);
    expect(sends.at(-1)).toEqual([999, 'm1']);
  });

  it('ignores updates after finish and reports send errors without throwing', async () => {
    const errors: unknown[] = [];
    const status = createThrottledStatus<string>({
      intervalMs: 1000,
      send: () => Promise.reject(new Error('discord down')),
      onError: (error) => errors.push(error),
    });
    await status.finish('done');
    status.update('late');
    await vi.advanceTimersByTimeAsync(5000);
    expect(errors).toHaveLength(1);
  });
});
