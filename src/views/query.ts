import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ContainerBuilder,
  MessageFlags,
  SeparatorBuilder,
  TextDisplayBuilder,
} from 'discord.js';
import { RATING_WORDS } from '../core/query/post.ts';
import { planQuery, type GroupSearch } from '../core/query/plan.ts';
import { DEFAULT_MIN_AREA, queryForMainTag, type ProjectQuery } from '../core/query/schema.ts';
import { formatTagGroups } from '../core/query/tags.ts';
import type { ProjectRow } from '../db/schema/index.ts';
import { queryDetailsId } from './query-details-ids.ts';

const KILN_ORANGE = 0xe8743b;
/** A V2 message holds 4000 characters of text in all; the blacklist is the only part that can grow. */
const BLACKLIST_LIMIT = 1500;
/** Blacklist groups the short answer names; the rest are behind "Show full query". */
const BLACKLIST_SHOWN = 5;

function number(value: number): string {
  return value.toLocaleString('en-US');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function area(minArea: number): string {
  const side = Math.sqrt(minArea);
  const square = Number.isInteger(side) ? ` (${side}²)` : '';
  return `${number(minArea)} px${square}${minArea === DEFAULT_MIN_AREA ? ', the guide’s value at 768' : ''}`;
}

/** The `groups` text that starts the guide's search for a main tag. */
export function suggestedGroups(mainTag: string): string {
  return formatTagGroups(queryForMainTag(mainTag).required);
}

/** One line per field, as users set them with `/lora query`. */
export function describeQueryFields(query: ProjectQuery): Record<string, string> {
  return {
    groups: query.required.length > 0 ? `\`${formatTagGroups(query.required)}\`` : '*not set*',
    blacklist: query.blacklist.length > 0 ? `\`${formatTagGroups(query.blacklist)}\`` : '*none*',
    min_score: String(query.minScore),
    min_area: area(query.minArea),
    top_n: String(query.topN),
    ratings: query.ratings.map((rating) => RATING_WORDS[rating]).join(', '),
    file_types: query.fileTypes.join(', '),
    max_short_side: `${query.maxShortSide} px`,
  };
}

/** `min score 30 → 50` for every field that differs. */
export function queryChanges(before: ProjectQuery, after: ProjectQuery): string[] {
  const old = describeQueryFields(before);
  const now = describeQueryFields(after);
  return Object.keys(now)
    .filter((key) => old[key] !== now[key])
    .map((key) =>
      key === 'blacklist' || key === 'groups'
        ? `${key.replaceAll('_', ' ')} changed`
        : `${key.replaceAll('_', ' ')} ${old[key]} → ${now[key]}`,
    );
}

function searchLines(searches: readonly GroupSearch[]): string {
  return searches
    .map(
      (search) =>
        `e621 search ${search.group + 1}: \`${clip(search.search, 900)}\` (${search.tagCount}/40 tags)`,
    )
    .join('\n');
}

/** "12 groups: `sketch`, `comic`, … and 7 more", the blacklist of the short answer. */
function shortBlacklist(query: ProjectQuery): string {
  if (query.blacklist.length === 0) return '*none*';
  const shown = formatTagGroups(query.blacklist.slice(0, BLACKLIST_SHOWN));
  const more = query.blacklist.length - BLACKLIST_SHOWN;
  return `${number(query.blacklist.length)} ${query.blacklist.length === 1 ? 'group' : 'groups'}: \`${clip(shown, 300)}\`${more > 0 ? ` … and ${number(more)} more` : ''}`;
}

/** One line in place of the search strings: how many searches, and how full e621's 40 tags are. */
function searchesSummary(searches: readonly GroupSearch[]): string {
  const counts = searches.map((search) => `${search.tagCount}/40`).join(', ');
  return `-# ${searches.length} e621 ${searches.length === 1 ? 'search' : 'searches'} (${counts} tags); **Show full query** lists the blacklist and the search strings.`;
}

function detailsButton(projectId: number): ActionRowBuilder<ButtonBuilder> {
  return new ActionRowBuilder<ButtonBuilder>().addComponents(
    new ButtonBuilder()
      .setCustomId(queryDetailsId.encode({ projectId }))
      .setLabel('Show full query')
      .setStyle(ButtonStyle.Secondary),
  );
}

/** Behind "Show full query": the whole blacklist and each e621 search string, for whoever asked. */
export function queryDetailsMessage(project: ProjectRow, query: ProjectQuery) {
  const fields = describeQueryFields(query);
  const lines = [
    `### Full e621 query · ${clip(project.characterName, 80)}`,
    `**Blacklist** (${number(query.blacklist.length)} groups): ${clip(fields.blacklist ?? '', BLACKLIST_LIMIT)}`,
  ];
  if (query.required.length > 0) lines.push('', searchLines(planQuery(query).searches));
  return {
    flags: MessageFlags.IsComponentsV2 as const,
    components: [
      new ContainerBuilder()
        .setAccentColor(KILN_ORANGE)
        .addTextDisplayComponents(new TextDisplayBuilder().setContent(lines.join('\n'))),
    ],
    allowedMentions: { parse: [] },
  };
}

/** The project's query as `/lora query` shows it, with what changed and any notes. */
export function queryMessage(
  project: ProjectRow,
  query: ProjectQuery,
  extra: { changes?: string[]; notes?: string[] } = {},
) {
  const fields = describeQueryFields(query);
  const lines = [
    `## e621 query · ${clip(project.characterName, 80)}`,
    `**Groups** (\`,\` = all of, \`|\` = or): ${fields.groups}`,
    `**Blacklist:** ${shortBlacklist(query)}`,
    `**Min score** ${fields.min_score} · **min area** ${fields.min_area}`,
    `**Top N** ${fields.top_n} by score · **ratings** ${fields.ratings} · **file types** ${fields.file_types}`,
    `**Max short side** ${fields.max_short_side} (downscaled, never upscaled)`,
  ];
  if (query.required.length === 0) {
    lines.push(
      '',
      `No groups yet. The guide starts with \`${suggestedGroups(project.mainTag)}\`: ` +
        '`/lora query reset:True` sets it, or type your own in `groups`.',
    );
  } else {
    lines.push('', searchesSummary(planQuery(query).searches));
  }
  const container = new ContainerBuilder()
    .setAccentColor(KILN_ORANGE)
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(lines.join('\n')));
  const footer: string[] = [];
  if (extra.changes !== undefined) {
    footer.push(
      extra.changes.length > 0
        ? `Saved: ${extra.changes.join('; ')}.`
        : 'Saved; nothing differs from before.',
    );
  }
  for (const note of extra.notes ?? []) footer.push(note);
  footer.push('`/lora preview` shows what a fetch would take; `/lora fetch` downloads it.');
  container
    .addSeparatorComponents(new SeparatorBuilder())
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(footer.join('\n')))
    .addActionRowComponents(detailsButton(project.id));
  return {
    flags: MessageFlags.IsComponentsV2 as const,
    components: [container],
    allowedMentions: { parse: [] },
  };
}
