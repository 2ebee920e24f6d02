/**
 * The fake e621's tag search: the subset of e621ng's syntax Kiln relies on, with e621's limits.
 * `tag` must have, `-tag` must not, `~tag` at least one of; metatags `order:`, `score:`, `rating:`,
 * `type:`/`filetype:`, `status:`; 40 counted tags at most (rating:, limit: and -status:deleted are free).
 */

export type Rating = 's' | 'q' | 'e';

export interface SearchablePost {
  id: number;
  score: number;
  favCount: number;
  rating: Rating;
  ext: string;
  allTags: ReadonlySet<string>;
  deleted: boolean;
}

type Range = (value: number) => boolean;

export interface ParsedSearch {
  must: string[];
  mustNot: string[];
  should: string[];
  order: 'id_desc' | 'id' | 'score' | 'score_asc' | 'favcount' | 'favcount_asc';
  score: Range[];
  notScore: Range[];
  ratings: Rating[];
  notRatings: Rating[];
  types: string[];
  notTypes: string[];
  showDeleted: boolean;
  /** Tags counted toward the 40-tag limit. */
  counted: number;
}

export class SearchError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const TAG_QUERY_LIMIT = 40;

function parseRange(text: string): Range | null {
  const number = (value: string): number | null => (/^-?\d+$/.test(value) ? Number(value) : null);
  let match: RegExpMatchArray | null;
  if ((match = /^(>=|<=|>|<)(-?\d+)$/.exec(text))) {
    const value = Number(match[2]);
    const operator = match[1];
    if (operator === '>=') return (v) => v >= value;
    if (operator === '<=') return (v) => v <= value;
    if (operator === '>') return (v) => v > value;
    return (v) => v < value;
  }
  if ((match = /^(-?\d*)\.\.(-?\d*)$/.exec(text))) {
    const low = match[1] ? number(match[1]) : null;
    const high = match[2] ? number(match[2]) : null;
    return (v) => (low === null || v >= low) && (high === null || v <= high);
  }
  const exact = number(text);
  return exact === null ? null : (v) => v === exact;
}

const FREE = [/^-?rating:/, /^limit:/, /^-status:deleted$/];

export function parseSearch(text: string): ParsedSearch {
  const search: ParsedSearch = {
    must: [],
    mustNot: [],
    should: [],
    order: 'id_desc',
    score: [],
    notScore: [],
    ratings: [],
    notRatings: [],
    types: [],
    notTypes: [],
    showDeleted: false,
    counted: 0,
  };
  const tokens = text
    .trim()
    .split(/\s+/)
    .filter(Boolean)
    .map((token) => token.toLowerCase());
  for (const token of tokens) {
    if (!FREE.some((pattern) => pattern.test(token))) search.counted += 1;
    if (search.counted > TAG_QUERY_LIMIT) {
      throw new SearchError(422, `You cannot search for more than ${TAG_QUERY_LIMIT} tags at a time`);
    }
    const prefix = token[0] === '-' || token[0] === '~' ? token[0] : '';
    const body = prefix ? token.slice(1) : token;
    const colon = body.indexOf(':');
    const name = colon > 0 ? body.slice(0, colon) : '';
    const value = colon > 0 ? body.slice(colon + 1) : '';
    switch (name) {
      case 'order': {
        const order = value.replace(/_desc$/, '');
        const known = ['id', 'id_desc', 'score', 'score_asc', 'favcount', 'favcount_asc'] as const;
        if ((known as readonly string[]).includes(order)) search.order = order as ParsedSearch['order'];
        continue;
      }
      case 'score': {
        const range = parseRange(value);
        if (range === null) throw new SearchError(422, `Invalid score range: ${value}`);
        (prefix === '-' ? search.notScore : search.score).push(range);
        continue;
      }
      case 'rating': {
        const rating = value[0] as Rating | undefined;
        if (rating === 's' || rating === 'q' || rating === 'e') {
          (prefix === '-' ? search.notRatings : search.ratings).push(rating);
        }
        continue;
      }
      case 'type':
      case 'filetype':
        (prefix === '-' ? search.notTypes : search.types).push(value);
        continue;
      case 'status':
        if (['deleted', 'any', 'all', 'active'].includes(value)) search.showDeleted = true;
        continue;
      case 'limit':
        continue;
      default:
        break;
    }
    if (prefix === '-') search.mustNot.push(body);
    else if (prefix === '~') search.should.push(body);
    else search.must.push(body);
  }
  return search;
}

export function matches(post: SearchablePost, search: ParsedSearch): boolean {
  if (post.deleted && !search.showDeleted) return false;
  if (!search.must.every((tag) => post.allTags.has(tag))) return false;
  if (search.mustNot.some((tag) => post.allTags.has(tag))) return false;
  if (search.should.length > 0 && !search.should.some((tag) => post.allTags.has(tag))) return false;
  if (!search.score.every((range) => range(post.score))) return false;
  if (search.notScore.some((range) => range(post.score))) return false;
  if (search.ratings.length > 0 && !search.ratings.every((rating) => rating === post.rating)) return false;
  if (search.notRatings.includes(post.rating)) return false;
  if (search.types.length > 0 && !search.types.every((type) => type === post.ext)) return false;
  if (search.notTypes.includes(post.ext)) return false;
  return true;
}

export function sortPosts<T extends SearchablePost>(posts: T[], order: ParsedSearch['order']): T[] {
  const sorted = [...posts];
  switch (order) {
    case 'id':
      return sorted.sort((a, b) => a.id - b.id);
    case 'id_desc':
      return sorted.sort((a, b) => b.id - a.id);
    case 'score':
      return sorted.sort((a, b) => b.score - a.score || b.id - a.id);
    case 'score_asc':
      return sorted.sort((a, b) => a.score - b.score || a.id - b.id);
    case 'favcount':
      return sorted.sort((a, b) => b.favCount - a.favCount || b.id - a.id);
    case 'favcount_asc':
      return sorted.sort((a, b) => a.favCount - b.favCount || a.id - b.id);
  }
}

/** pg_trgm-style similarity, as e621's autocomplete uses for spelling corrections. */
export function trigramSimilarity(a: string, b: string): number {
  const grams = (text: string): Set<string> => {
    const padded = `  ${text} `;
    const set = new Set<string>();
    for (let i = 0; i + 3 <= padded.length; i++) set.add(padded.slice(i, i + 3));
    return set;
  };
  const ga = grams(a);
  const gb = grams(b);
  let shared = 0;
  for (const gram of ga) if (gb.has(gram)) shared += 1;
  return shared / (ga.size + gb.size - shared);
}
