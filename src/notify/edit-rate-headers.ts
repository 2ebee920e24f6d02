import { RESTEvents, type REST } from 'discord.js';
import type { ChannelEdits } from './channel-edits.ts';

const MESSAGE_EDIT = /^\/channels\/(\d+)\/messages\/\d+$/;

/**
 * Feeds the X-RateLimit headers of every message edit the REST client gets back into the edit budget, so
 * edits follow Discord's real numbers for each channel (the docs say to read them, not to hard-code them).
 */
export function followEditRateLimits(rest: REST, edits: Pick<ChannelEdits<unknown>, 'observe'>): () => void {
  const listener = (
    request: { method: string; path: string },
    response: { headers: { get(name: string): string | null } },
  ): void => {
    if (request.method.toUpperCase() !== 'PATCH') return;
    const channelId = MESSAGE_EDIT.exec(request.path)?.[1];
    if (!channelId) return;
    const limit = Number(response.headers.get('x-ratelimit-limit'));
    const remaining = Number(response.headers.get('x-ratelimit-remaining'));
    const resetAfter = Number(response.headers.get('x-ratelimit-reset-after'));
    if (!response.headers.get('x-ratelimit-limit') || ![limit, remaining, resetAfter].every(Number.isFinite))
      return;
    edits.observe(channelId, { limit, remaining, resetAfterMs: resetAfter * 1000 });
  };
  rest.on(RESTEvents.Response, listener);
  return () => rest.off(RESTEvents.Response, listener);
}
