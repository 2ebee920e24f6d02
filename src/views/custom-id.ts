/**
 * custom_id as a typed codec. Every component family owns a short prefix with a version
 * (`card@1:notes:12`); decode returns null for anything it does not own, so the router can try each
 * family in turn. All state lives in Postgres, so an id only carries keys, and buttons survive restarts.
 */
export const CUSTOM_ID_MAX_LENGTH = 100;

export type IdPart = string | number;

export interface CustomIdCodec<T> {
  readonly family: string;
  readonly version: number;
  encode(data: T): string;
  decode(customId: string): T | null;
  /** True when the id belongs to this family but to another version (a message from an older Kiln). */
  isStale(customId: string): boolean;
}

export interface CodecShape<T> {
  toParts(data: T): IdPart[];
  fromParts(parts: string[]): T | null;
}

const SEPARATOR = ':';

export function defineCustomId<T>(family: string, version: number, shape: CodecShape<T>): CustomIdCodec<T> {
  if (!/^[a-z][a-z0-9-]*$/.test(family)) throw new Error(`invalid custom_id family "${family}"`);
  const prefix = `${family}@${version}`;
  return {
    family,
    version,
    encode(data) {
      const parts = shape.toParts(data).map(String);
      for (const part of parts) {
        if (part.includes(SEPARATOR)) throw new Error(`custom_id part "${part}" contains "${SEPARATOR}"`);
      }
      const id = [prefix, ...parts].join(SEPARATOR);
      if (id.length > CUSTOM_ID_MAX_LENGTH) {
        throw new Error(`custom_id "${id.slice(0, 40)}…" is ${id.length} characters; Discord allows 100`);
      }
      return id;
    },
    decode(customId) {
      const [head, ...parts] = customId.split(SEPARATOR);
      if (head !== prefix) return null;
      return shape.fromParts(parts);
    },
    isStale(customId) {
      const head = customId.split(SEPARATOR, 1)[0] ?? '';
      return head.startsWith(`${family}@`) && head !== prefix;
    },
  };
}

/** Parses a positive integer id part, or null. */
export function positiveInt(part: string | undefined): number | null {
  if (part === undefined || !/^\d{1,10}$/.test(part)) return null;
  const value = Number(part);
  return value > 0 && value <= 2_147_483_647 ? value : null;
}

/** Picks one of a closed set of words, or null. */
export function oneOf<const W extends string>(part: string | undefined, words: readonly W[]): W | null {
  return words.includes(part as W) ? (part as W) : null;
}
