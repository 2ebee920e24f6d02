import { describe, expect, it } from 'vitest';
import { fetchTallyLine, tallyNumbers, type FetchTally } from '../../../src/core/query/fetch-tally.ts';

/** The numbers of a tally line, read back from its text the way a person would. */
function readBack(line: string) {
  const value = (pattern: RegExp): number => {
    const match = pattern.exec(line);
    if (!match) throw new Error(`${String(pattern)} not in: ${line}`);
    return Number(match[1]!.replace(/,/g, ''));
  };
  const optional = (pattern: RegExp): number => (pattern.test(line) ? value(pattern) : 0);
  return {
    taken: value(/^([\d,]+) taken/),
    matching: value(/taken of ([\d,]+) matching/),
    skippedBeforeDownload: optional(/\(([\d,]+) skipped before download/),
    stored: value(/→ ([\d,]+) stored/),
    resized: value(/\(([\d,]+) downloaded and resized/),
    alreadyStored: value(/([\d,]+) already stored/),
    notStored: optional(/([\d,]+) could not be stored/),
    ready: value(/→ ([\d,]+) ready/),
    duplicates: optional(/([\d,]+) near-duplicates? /) + optional(/([\d,]+) exact cop(?:y|ies)/),
  };
}

function identitiesHold(n: ReturnType<typeof readBack>): void {
  expect(n.matching).toBe(n.taken + n.skippedBeforeDownload);
  expect(n.taken).toBe(n.stored + n.notStored);
  expect(n.stored).toBe(n.resized + n.alreadyStored);
  expect(n.ready).toBe(n.stored - n.duplicates);
}

describe('the fetch tally', () => {
  it('says which number is which, and the numbers add up (the run from issue 12)', () => {
    const tally: FetchTally = {
      taken: 40,
      skippedBeforeDownload: { blacklisted: 2 },
      notStored: {},
      resized: 40,
      alreadyStored: 0,
      duplicates: { exact: 0, near: 2 },
      ready: 38,
    };
    const line = fetchTallyLine(tally);
    expect(line).toBe(
      '40 taken of 42 matching (2 skipped before download: 2 blacklisted) → 40 stored (40 downloaded and resized, 0 already stored) → 38 ready for the vote (2 near-duplicates dropped)',
    );
    identitiesHold(readBack(line));
  });

  it('adds up for every mix of skips, failures, stored images and duplicates', () => {
    let seed = 7;
    const next = (max: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % (max + 1);
    };
    for (let i = 0; i < 200; i++) {
      const resized = next(400);
      const alreadyStored = next(50);
      const notStored = { corrupt: next(3), 'download-failed': next(3) } as const;
      const stored = resized + alreadyStored;
      const exact = next(Math.min(3, stored));
      const near = next(Math.min(5, stored - exact));
      const tally: FetchTally = {
        taken: stored + notStored.corrupt + notStored['download-failed'],
        skippedBeforeDownload: { 'login-required': next(4), 'too-small': next(4) },
        notStored,
        resized,
        alreadyStored,
        duplicates: { exact, near },
        ready: stored - exact - near,
      };
      const line = fetchTallyLine(tally, { strong: (text) => text });
      const n = readBack(line);
      identitiesHold(n);
      expect(n).toMatchObject({ taken: tally.taken, ready: tally.ready });
      expect(tallyNumbers(tally).lookedAt).toBe(n.matching);
    }
  });

  it('marks the headline numbers when asked (Discord bold) and names what the ready images are', () => {
    const line = fetchTallyLine(
      {
        taken: 3,
        skippedBeforeDownload: {},
        notStored: { corrupt: 1 },
        resized: 2,
        alreadyStored: 0,
        duplicates: { exact: 1, near: 0 },
        ready: 1,
      },
      { strong: (text) => `**${text}**`, readyAs: 'images with captions in ./out' },
    );
    expect(line).toBe(
      '**3** taken of 3 matching → **2** stored (2 downloaded and resized, 0 already stored, 1 could not be stored: 1 corrupt image) → **1** images with captions in ./out (1 exact copy dropped)',
    );
  });
});
