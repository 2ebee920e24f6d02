/**
 * One status message per long job, edited at a sensible pace instead of per event (Discord rate-limits
 * edits per channel, and a wall of edits helps nobody). The latest state always wins; `finish` flushes.
 */
export interface ThrottledStatusOptions<S> {
  intervalMs: number;
  /** Sends the rendering of a state; `messageId` is null for the first send. Returns the message id. */
  send(state: S, messageId: string | null): Promise<string>;
  onError?(error: unknown): void;
  now?: () => number;
}

export interface ThrottledStatus<S> {
  update(state: S): void;
  /** Sends the final state at once (waiting for a send in flight) and stops the timer. */
  finish(state: S): Promise<string | null>;
  messageId(): string | null;
}

export function createThrottledStatus<S>(options: ThrottledStatusOptions<S>): ThrottledStatus<S> {
  const now = options.now ?? Date.now;
  let messageId: string | null = null;
  let pending: S | undefined;
  let hasPending = false;
  let lastSentAt = -Infinity;
  let timer: NodeJS.Timeout | null = null;
  let inFlight: Promise<void> = Promise.resolve();
  let finished = false;

  const flush = (): Promise<void> => {
    if (!hasPending) return inFlight;
    const state = pending as S;
    hasPending = false;
    lastSentAt = now();
    inFlight = inFlight
      .then(async () => {
        messageId = await options.send(state, messageId);
      })
      .catch((error: unknown) => options.onError?.(error));
    return inFlight;
  };

  return {
    update(state) {
      if (finished) return;
      pending = state;
      hasPending = true;
      if (timer) return;
      const wait = Math.max(0, lastSentAt + options.intervalMs - now());
      timer = setTimeout(() => {
        timer = null;
        void flush();
      }, wait);
    },
    async finish(state) {
      finished = true;
      if (timer) clearTimeout(timer);
      timer = null;
      pending = state;
      hasPending = true;
      await flush();
      return messageId;
    },
    messageId: () => messageId,
  };
}
