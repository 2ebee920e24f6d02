/**
 * Suggestions for a tag that found nothing: e621's autocomplete returns candidates (prefix matches and
 * its own spelling corrections); we keep the close ones, closest and most used first.
 */

export interface TagCandidate {
  name: string;
  postCount: number;
  /** The alias the user may have typed, when the candidate was found through it. */
  antecedentName?: string | null | undefined;
}

/** Edit distance (insertions, deletions, substitutions) between two short strings. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(
        Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** True when e621 knows the tag under this exact name (or as an alias of a candidate). */
export function tagIsKnown(tag: string, candidates: readonly TagCandidate[]): boolean {
  return candidates.some((c) => (c.name === tag || c.antecedentName === tag) && c.postCount > 0);
}

/**
 * Close tags for a misspelled one: within a third of its length in edits, or starting with it; at most
 * `limit`, closest first, then the most used.
 */
export function suggestTags(tag: string, candidates: readonly TagCandidate[], limit = 5): string[] {
  const maxDistance = Math.max(2, Math.ceil(tag.length / 3));
  const scored = new Map<string, { distance: number; postCount: number }>();
  for (const candidate of candidates) {
    if (candidate.name === tag || candidate.postCount <= 0) continue;
    const distance = candidate.name.startsWith(tag) ? 1 : editDistance(tag, candidate.name);
    if (distance > maxDistance) continue;
    const known = scored.get(candidate.name);
    if (known === undefined || distance < known.distance) {
      scored.set(candidate.name, { distance, postCount: candidate.postCount });
    }
  }
  return [...scored.entries()]
    .sort(([, a], [, b]) => a.distance - b.distance || b.postCount - a.postCount)
    .slice(0, limit)
    .map(([name]) => name);
}
