import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createChannelEdits, type EditTarget } from '../../src/notify/channel-edits.ts';

const target = (messageId: string, channelId = 'thread'): EditTarget => ({ channelId, messageId });

describe('channel edits', () => {
  let sent: Array<{ messageId: string; body: string; at: number }>;
  let failures: unknown[];
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    failures = [];
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const edits = (overrides: Partial<Parameters<typeof createChannelEdits<string>>[0]> = {}) =>
    createChannelEdits<string>({
      budget: { limit: 3, windowMs: 1000 },
      settleMs: 100,
      maxWaitMs: 400,
      send({ messageId }, body) {
        sent.push({ messageId, body, at: Date.now() });
        return Promise.resolve();
      },
      onError: (error) => failures.push(error),
      ...overrides,
    });

  it('sends one edit with the latest state for a burst, and none when the rendering did not change', async () => {
    const channel = edits();
    let state = 'keep 0';
    for (let i = 1; i <= 5; i++) {
      state = `keep ${i}`;
      channel.changed(target('m1'), () => Promise.resolve(state));
      await vi.advanceTimersByTimeAsync(30);
    }
    await vi.advanceTimersByTimeAsync(200);
    expect(sent.map((s) => s.body)).toEqual(['keep 5']);
    channel.changed(target('m1'), () => Promise.resolve(state));
    await vi.advanceTimersByTimeAsync(2000);
    expect(sent).toHaveLength(1);
  });

  it('keeps to the budget, most recently changed first, and holds until the bucket Discord reported resets', async () => {
    const channel = edits();
    // Spent for now: the five changes wait together, then the newest go first.
    channel.observe('thread', { limit: 3, remaining: 0, resetAfterMs: 500 });
    for (let i = 1; i <= 5; i++) {
      channel.changed(target(`m${i}`), () => Promise.resolve(`m${i} v1`));
      await vi.advanceTimersByTimeAsync(1);
    }
    await vi.advanceTimersByTimeAsync(450);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(200);
    expect(sent.map((s) => s.messageId)).toEqual(['m5', 'm4', 'm3']);
    await vi.advanceTimersByTimeAsync(1200);
    expect(sent.map((s) => s.messageId)).toEqual(['m5', 'm4', 'm3', 'm2', 'm1']);

    // Discord says the bucket is empty for 2 s (another process spent it): nothing goes out before then.
    channel.observe('thread', { limit: 3, remaining: 0, resetAfterMs: 2000 });
    const observedAt = Date.now();
    channel.changed(target('m1'), () => Promise.resolve('m1 v2'));
    await vi.advanceTimersByTimeAsync(1900);
    expect(sent).toHaveLength(5);
    await vi.advanceTimersByTimeAsync(300);
    expect(sent.at(-1)).toMatchObject({ messageId: 'm1', body: 'm1 v2' });
    expect(sent.at(-1)!.at - observedAt).toBeGreaterThanOrEqual(2000);
  });

  it('counts each channel apart', async () => {
    const channel = edits();
    for (let i = 1; i <= 3; i++) channel.changed(target(`a${i}`, 'one'), () => Promise.resolve('x'));
    for (let i = 1; i <= 3; i++) channel.changed(target(`b${i}`, 'two'), () => Promise.resolve('x'));
    await vi.advanceTimersByTimeAsync(150);
    expect(sent).toHaveLength(6);
  });

  it('shows a message that keeps changing after maxWaitMs, and the board only when no gallery is due', async () => {
    const channel = edits({ budget: { limit: 1, windowMs: 1000 } });
    channel.changed(target('board'), () => Promise.resolve('board'), 'summary');
    channel.changed(target('gallery'), () => Promise.resolve('gallery'));
    await vi.advanceTimersByTimeAsync(150);
    expect(sent.map((s) => s.messageId)).toEqual(['gallery']);
    await vi.advanceTimersByTimeAsync(1100);
    expect(sent.map((s) => s.messageId)).toEqual(['gallery', 'board']);

    let n = 0;
    const busy = edits({ budget: { limit: 10, windowMs: 1000 } });
    const started = Date.now();
    sent.length = 0;
    for (let i = 0; i < 20; i++) {
      n += 1;
      busy.changed(target('hot'), () => Promise.resolve(`v${n}`));
      await vi.advanceTimersByTimeAsync(50);
    }
    expect(sent[0]!.at - started).toBeLessThanOrEqual(450);
  });

  it('never has two edits of one message in flight, and tries a failed edit again', async () => {
    let release: () => void = () => undefined;
    let calls = 0;
    const channel = edits({
      async send({ messageId }, body) {
        calls += 1;
        if (calls === 1) await new Promise<void>((resolve) => (release = resolve));
        if (calls === 2) throw new Error('Discord is down');
        sent.push({ messageId, body, at: Date.now() });
      },
    });
    channel.changed(target('m1'), () => Promise.resolve('v1'));
    await vi.advanceTimersByTimeAsync(150);
    channel.changed(target('m1'), () => Promise.resolve('v2'));
    await vi.advanceTimersByTimeAsync(500);
    expect(calls).toBe(1); // v2 waits for v1, so it cannot land first
    release();
    await vi.advanceTimersByTimeAsync(1500);
    expect(failures).toHaveLength(1);
    expect(sent.map((s) => s.body)).toEqual(['v1', 'v2']);
  });
});
