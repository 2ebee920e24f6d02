import { describe, expect, it } from 'vitest';
import { createPacer } from '../../src/e621/pacer.ts';

describe('pacer', () => {
  it('hands out turns in call order, each at least the interval after the previous one started', async () => {
    const pacer = createPacer({ minIntervalMs: 40 });
    const starts: Array<[number, number]> = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) => pacer.wait().then(() => starts.push([i, performance.now()]))),
    );
    expect(starts.map(([i]) => i)).toEqual([0, 1, 2, 3, 4]);
    for (let i = 1; i < starts.length; i++) {
      expect(starts[i]![1] - starts[i - 1]![1]).toBeGreaterThanOrEqual(40);
    }
  });

  it('lets a waiter give up when its signal aborts, without blocking the others', async () => {
    const pacer = createPacer({ minIntervalMs: 30 });
    await pacer.wait();
    const controller = new AbortController();
    const waiting = pacer.wait(controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
    await expect(pacer.wait()).resolves.toBeUndefined();
    await expect(pacer.wait(AbortSignal.abort(new Error('already')))).rejects.toThrow('already');
  });
});
