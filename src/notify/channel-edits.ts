/**
 * Message edits paced by each channel's edit budget (Discord allows about 5 edits per 5 s in one channel).
 *
 * discord.js already waits out the rate limit, but a request queued there carries the body rendered when it
 * was queued: a burst of votes on 11 messages became 22 stale edits drained over 18 s. Here nothing is
 * handed to discord.js before the budget allows it, and a message is rendered just before it is sent, so
 * one edit carries every change since the last one. The budget goes first to messages whose clicks have
 * settled (an edit in the middle of a burst is wasted), the most recently changed first (that is where
 * people are looking); a message that keeps changing is still shown after `maxWaitMs`. An edit whose
 * rendering equals what the message already shows is never sent.
 */

export interface EditTarget {
  channelId: string;
  messageId: string;
}

/** 'watched' for what people click on; 'summary' (a board of counts) waits until no watched message is due. */
export type EditUrgency = 'watched' | 'summary';

export interface ChannelEditOptions<B> {
  /** Edits allowed in one channel per window; discord.js still honours the real headers underneath. */
  budget?: { limit: number; windowMs: number };
  /** Quiet time after a change before a message is edited, so one edit carries a burst of clicks. */
  settleMs?: number;
  /** Longest a watched message waits after its first unshown change; a summary waits twice as long. */
  maxWaitMs?: number;
  send(target: EditTarget, body: B): Promise<void>;
  onError(error: unknown, target: EditTarget): void;
  now?: () => number;
}

export interface ChannelEdits<B> {
  /**
   * Says the message's content changed; `render` is called just before the edit goes out and reads the
   * latest state (null: nothing to show, e.g. the message is no longer known).
   */
  changed(target: EditTarget, render: () => Promise<B | null>, urgency?: EditUrgency): void;
  /**
   * What Discord's X-RateLimit headers said after an edit in this channel: `remaining` edits until the
   * bucket resets in `resetAfterMs`. Once known, it replaces the local estimate of the budget.
   */
  observe(channelId: string, bucket: ObservedBucket): void;
  /** Sends every pending edit now, budget or not (shutdown). */
  flush(): Promise<void>;
}

export interface ObservedBucket {
  limit: number;
  remaining: number;
  resetAfterMs: number;
}

/** Observed on Discord for message edits in one channel. */
export const CHANNEL_EDIT_BUDGET = { limit: 5, windowMs: 5000 };
/** Requests can arrive closer together than they were sent; keep a margin over the server's window. */
const WINDOW_MARGIN_MS = 100;
const MAX_ATTEMPTS = 3;

interface Pending<B> {
  target: EditTarget;
  render: () => Promise<B | null>;
  urgency: EditUrgency;
  firstChangeAt: number;
  lastChangeAt: number;
  attempts: number;
}

interface Channel<B> {
  pending: Map<string, Pending<B>>;
  /** When each of the last edits went out, oldest first. */
  sentAt: number[];
  /** Edits being rendered or sent, by message id: a message has at most one, so edits cannot overtake. */
  inFlight: Map<string, Promise<void>>;
  /** The bucket as Discord last described it; null until an edit's headers were seen. */
  bucket: { limit: number; remaining: number; resetAt: number; observedAt: number } | null;
  timer: NodeJS.Timeout | null;
}

export function createChannelEdits<B>(options: ChannelEditOptions<B>): ChannelEdits<B> {
  const budget = options.budget ?? CHANNEL_EDIT_BUDGET;
  const settleMs = options.settleMs ?? 1000;
  const maxWaitMs = options.maxWaitMs ?? 4000;
  const now = options.now ?? Date.now;
  const channels = new Map<string, Channel<B>>();
  /** What each message shows now (serialised body), so unchanged renderings are not sent. */
  const shown = new Map<string, string>();

  const channelOf = (id: string): Channel<B> => {
    let channel = channels.get(id);
    if (!channel) {
      channel = { pending: new Map(), sentAt: [], inFlight: new Map(), bucket: null, timer: null };
      channels.set(id, channel);
    }
    return channel;
  };

  const dueAt = (edit: Pending<B>): number => {
    const wait = edit.urgency === 'summary' ? 2 * maxWaitMs : maxWaitMs;
    return Math.min(edit.lastChangeAt + settleMs, edit.firstChangeAt + wait);
  };

  /** The next edit to spend the budget on: watched before summary, then the most recently changed. */
  const pick = (channel: Channel<B>, at: number): Pending<B> | undefined => {
    const due = [...channel.pending.values()].filter(
      (edit) => dueAt(edit) <= at && !channel.inFlight.has(edit.target.messageId),
    );
    const overdue = due.filter(
      (edit) => at - edit.firstChangeAt >= maxWaitMs * (edit.urgency === 'summary' ? 2 : 1),
    );
    const pool = overdue.length > 0 ? overdue : due;
    const watched = pool.filter((edit) => edit.urgency === 'watched');
    return (watched.length > 0 ? watched : pool).sort((a, b) => b.lastChangeAt - a.lastChangeAt)[0];
  };

  /**
   * When the next edit may go out. Discord's bucket refills all at once at its reset, which the headers
   * tell; before any were seen, a sliding window of our own sends. Edits in flight hold their place.
   */
  const budgetFreeAt = (channel: Channel<B>, at: number): number => {
    const window = budget.windowMs + WINDOW_MARGIN_MS;
    const keepFrom = Math.min(at - window, channel.bucket?.observedAt ?? Infinity);
    while (channel.sentAt.length > 0 && channel.sentAt[0]! < keepFrom) channel.sentAt.shift();
    const { bucket } = channel;
    if (bucket && at < bucket.resetAt) {
      // The headers counted what was answered by then; edits picked since (or still in flight) come off.
      const since = channel.sentAt.filter((stamp) => stamp > bucket.observedAt).length;
      const left = bucket.remaining - Math.max(since, channel.inFlight.size);
      return left > 0 ? at : bucket.resetAt + WINDOW_MARGIN_MS;
    }
    if (bucket) {
      // A fresh window since the reset, opened by its first edit.
      const sinceReset = channel.sentAt.filter((stamp) => stamp >= bucket.resetAt);
      if (sinceReset.length < bucket.limit) return at;
      return sinceReset[sinceReset.length - bucket.limit]! + window;
    }
    if (channel.sentAt.length < budget.limit) return at;
    return channel.sentAt[channel.sentAt.length - budget.limit]! + window;
  };

  const release = (channel: Channel<B>, stamp: number): void => {
    const index = channel.sentAt.indexOf(stamp);
    if (index !== -1) channel.sentAt.splice(index, 1);
  };

  /** Renders and sends one edit; `stamp` is its place in the budget (null: outside the budget, at shutdown). */
  const edit = async (channel: Channel<B>, next: Pending<B>, stamp: number | null): Promise<void> => {
    const key = next.target.messageId;
    channel.pending.delete(key);
    try {
      const body = await next.render();
      const serialised = body === null ? null : JSON.stringify(body);
      if (body === null || shown.get(key) === serialised) {
        if (stamp !== null) release(channel, stamp);
        return;
      }
      if (stamp !== null) {
        // The window counts from when the request leaves, not from when it was picked.
        release(channel, stamp);
        channel.sentAt.push(now());
        channel.sentAt.sort((a, b) => a - b);
      }
      shown.delete(key);
      await options.send(next.target, body);
      shown.set(key, serialised!);
    } catch (error) {
      options.onError(error, next.target);
      // Shown again later, unless a newer change is already waiting; a message that keeps failing is left.
      if (next.attempts + 1 < MAX_ATTEMPTS && !channel.pending.has(key)) {
        const at = now();
        channel.pending.set(key, {
          ...next,
          attempts: next.attempts + 1,
          firstChangeAt: at,
          lastChangeAt: at,
        });
      }
    }
  };

  const pump = (channel: Channel<B>): void => {
    if (channel.timer) clearTimeout(channel.timer);
    channel.timer = null;
    for (;;) {
      const waiting = [...channel.pending.values()].filter((e) => !channel.inFlight.has(e.target.messageId));
      if (waiting.length === 0) return;
      const at = now();
      const freeAt = budgetFreeAt(channel, at);
      const next = freeAt <= at ? pick(channel, at) : undefined;
      if (!next) {
        const soonest = Math.min(...waiting.map(dueAt));
        channel.timer = setTimeout(() => pump(channel), Math.max(freeAt, soonest) - at);
        return;
      }
      const key = next.target.messageId;
      channel.sentAt.push(at);
      const task = edit(channel, next, at).finally(() => {
        channel.inFlight.delete(key);
        pump(channel);
      });
      channel.inFlight.set(key, task);
    }
  };

  return {
    changed(target, render, urgency = 'watched') {
      const channel = channelOf(target.channelId);
      const at = now();
      const known = channel.pending.get(target.messageId);
      channel.pending.set(target.messageId, {
        target,
        render,
        urgency,
        firstChangeAt: known?.firstChangeAt ?? at,
        lastChangeAt: at,
        attempts: 0,
      });
      pump(channel);
    },
    observe(channelId, observed) {
      const channel = channelOf(channelId);
      channel.bucket = {
        limit: observed.limit,
        remaining: observed.remaining,
        resetAt: now() + observed.resetAfterMs,
        observedAt: now(),
      };
      pump(channel);
    },
    async flush() {
      for (const channel of channels.values()) {
        if (channel.timer) clearTimeout(channel.timer);
        channel.timer = null;
        await Promise.all(channel.inFlight.values());
        for (const next of [...channel.pending.values()]) await edit(channel, next, null);
      }
    },
  };
}
