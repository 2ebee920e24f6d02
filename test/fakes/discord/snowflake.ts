const DISCORD_EPOCH = 1_420_070_400_000n;

/**
 * Snowflakes shaped like Discord's (milliseconds since 2015 shifted left by 22 bits), strictly increasing
 * so ids sort by creation and discord.js can read a creation time from them.
 */
export class SnowflakeSource {
  #last = 0n;

  next(): string {
    let id = (BigInt(Date.now()) - DISCORD_EPOCH) << 22n;
    if (id <= this.#last) id = this.#last + 1n;
    this.#last = id;
    return id.toString();
  }
}

/** The unguessable part of an interaction token. */
export function interactionToken(id: string): string {
  const random = Array.from({ length: 4 }, () => Math.random().toString(36).slice(2, 10)).join('');
  return `aW50ZXJhY3Rpb246${id}:${random}`;
}
