import { UserError } from '../../../core/errors.ts';
import { planQuery } from '../../../core/query/plan.ts';
import {
  parseQuery,
  queryForMainTag,
  type ProjectQuery,
  type QueryInput,
} from '../../../core/query/schema.ts';
import { parseTagGroups } from '../../../core/query/tags.ts';
import { setProjectQuery } from '../../../db/repositories/acquisition.ts';
import { findLiveFetch } from '../../../db/repositories/fetch-runs.ts';
import { autocompleteTagList, checkTagsExist, type TagToCheck } from '../../e621-tags.ts';
import type { Subcommand } from '../../handler-types.ts';
import { storedQuery } from '../../project-query.ts';
import {
  assertCanEdit,
  autocompleteProject,
  PROJECT_OPTION,
  resolveProject,
  withProjectOption,
} from '../../project-access.ts';
import { queryChanges, queryMessage } from '../../../views/query.ts';

/**
 * `/lora query`: shows the project's e621 query and edits it. Every option is optional; with none it only
 * shows. Bad values are refused with the value named, and nothing is saved.
 */

const TAG_LIST_OPTIONS = ['groups', 'blacklist', 'blacklist_add'] as const;
/** Typed into `blacklist` to empty it (a Discord option cannot be sent empty). */
const CLEAR_WORD = 'none';

const RATING_CHOICES = [
  { name: 'all: safe, questionable, explicit', value: 's,q,e' },
  { name: 'safe only', value: 's' },
  { name: 'safe + questionable', value: 's,q' },
  { name: 'questionable + explicit', value: 'q,e' },
  { name: 'explicit only', value: 'e' },
  { name: 'safe + explicit', value: 's,e' },
  { name: 'questionable only', value: 'q' },
];

const FILE_TYPE_CHOICES = [
  { name: 'png, jpg, webp (every still image)', value: 'png,jpg,webp' },
  { name: 'png only', value: 'png' },
  { name: 'jpg only', value: 'jpg' },
  { name: 'webp only', value: 'webp' },
  { name: 'png + jpg', value: 'png,jpg' },
  { name: 'png + webp', value: 'png,webp' },
  { name: 'jpg + webp', value: 'jpg,webp' },
];

function groupKey(group: readonly string[]): string {
  return [...group].sort().join(',');
}

/** The blacklist after `blacklist`, `blacklist_add` and `blacklist_remove`, each parsed and checked. */
function editedBlacklist(
  current: string[][],
  replace: string | null,
  add: string | null,
  remove: string | null,
): string[][] | undefined {
  if (replace === null && add === null && remove === null) return undefined;
  let blacklist =
    replace === null
      ? current.map((group) => [...group])
      : replace.trim().toLowerCase() === CLEAR_WORD
        ? []
        : parseTagGroups(replace, 'Blacklist');
  if (add !== null) {
    const known = new Set(blacklist.map(groupKey));
    for (const group of parseTagGroups(add, 'Blacklist to add')) {
      if (!known.has(groupKey(group))) blacklist.push(group);
      known.add(groupKey(group));
    }
  }
  if (remove !== null) {
    for (const group of parseTagGroups(remove, 'Blacklist to remove')) {
      const key = groupKey(group);
      if (!blacklist.some((bad) => groupKey(bad) === key)) {
        throw new UserError(
          'invalid-query',
          `\`${group.join(', ')}\` is not in the blacklist, so it cannot be removed. Nothing was changed.`,
        );
      }
      blacklist = blacklist.filter((bad) => groupKey(bad) !== key);
    }
  }
  return blacklist;
}

/** Tags that are in the new query but were not in the old one: only those are checked on e621. */
function newTags(before: ProjectQuery, after: ProjectQuery): TagToCheck[] {
  const known = new Set([...before.required.flat(), ...before.blacklist.flat()]);
  const found: TagToCheck[] = [];
  const seen = new Set<string>();
  after.required.forEach((group, index) => {
    for (const tag of group) {
      if (known.has(tag) || seen.has(tag)) continue;
      seen.add(tag);
      found.push({ tag, where: `Group ${index + 1} (\`${group.join(', ')}\`)` });
    }
  });
  for (const tag of after.blacklist.flat()) {
    if (known.has(tag) || seen.has(tag)) continue;
    seen.add(tag);
    found.push({ tag, where: 'Blacklist' });
  }
  return found;
}

export const query: Subcommand = {
  name: 'query',
  build: (sub) =>
    withProjectOption(
      sub
        .setName('query')
        .setDescription("Show or edit the project's e621 query (tags, blacklist, min score, top N…)")
        .addStringOption((option) =>
          option
            .setName('groups')
            .setDescription('Required tags: "," = all of, "|" = or, e.g. krystal, solo | krystal, solo_focus')
            .setAutocomplete(true),
        )
        .addStringOption((option) =>
          option
            .setName('blacklist')
            .setDescription(
              `Replace the blacklist (same syntax, e.g. comic | sketch); "${CLEAR_WORD}" empties it`,
            )
            .setAutocomplete(true),
        )
        .addStringOption((option) =>
          option
            .setName('blacklist_add')
            .setDescription('Add to the blacklist, e.g. sketch | text')
            .setAutocomplete(true),
        )
        .addStringOption((option) =>
          option
            .setName('blacklist_remove')
            .setDescription('Remove from the blacklist, e.g. humor')
            .setAutocomplete(true),
        )
        .addIntegerOption((option) =>
          option.setName('min_score').setDescription('Leave out posts scored below this (the guide: 30–100)'),
        )
        .addIntegerOption((option) =>
          option
            .setName('min_area')
            .setDescription('Leave out images smaller than this many pixels, width × height (768² = 589824)'),
        )
        .addIntegerOption((option) =>
          option.setName('top_n').setDescription('How many posts to take, best score first (1–5000)'),
        )
        .addStringOption((option) =>
          option
            .setName('ratings')
            .setDescription('Ratings to take')
            .addChoices(...RATING_CHOICES),
        )
        .addStringOption((option) =>
          option
            .setName('file_types')
            .setDescription('File types to take (gif, webm and swf never are)')
            .addChoices(...FILE_TYPE_CHOICES),
        )
        .addIntegerOption((option) =>
          option
            .setName('max_short_side')
            .setDescription('Downscale so the short side is at most this many pixels (default 2048)'),
        )
        .addBooleanOption((option) =>
          option
            .setName('reset')
            .setDescription(
              "Start over from the guide's query for the main tag (other options apply on top)",
            ),
        ),
    ),
  acknowledge: 'ephemeral',
  async run(interaction, { db, e621 }) {
    const project = await resolveProject(db, interaction, interaction.options.getString(PROJECT_OPTION));
    const before = storedQuery(project.query);
    const options = interaction.options;
    const reset = options.getBoolean('reset') ?? false;
    const input: QueryInput = {
      required: options.getString('groups') ?? undefined,
      minScore: options.getInteger('min_score') ?? undefined,
      minArea: options.getInteger('min_area') ?? undefined,
      topN: options.getInteger('top_n') ?? undefined,
      ratings: options.getString('ratings') ?? undefined,
      fileTypes: options.getString('file_types') ?? undefined,
      maxShortSide: options.getInteger('max_short_side') ?? undefined,
    };
    const blacklistEdits = [
      options.getString('blacklist'),
      options.getString('blacklist_add'),
      options.getString('blacklist_remove'),
    ] as const;
    const editing =
      reset || Object.values(input).some((v) => v !== undefined) || blacklistEdits.some((v) => v !== null);
    if (!editing) {
      await interaction.editReply(queryMessage(project, before));
      return;
    }

    await assertCanEdit(db, interaction, project, "edit the project's query");
    const base = reset ? queryForMainTag(project.mainTag) : before;
    const blacklist = editedBlacklist(base.blacklist, ...blacklistEdits);
    const after = parseQuery({ ...input, ...(blacklist !== undefined ? { blacklist } : {}) }, base);
    // e621's 40-tag limit and an empty group list are checked the way a fetch would plan the search.
    if (after.required.length > 0) planQuery(after);
    const check = await checkTagsExist(e621, newTags(before, after));

    const saved = await setProjectQuery(db, project.id, after);
    if (!saved) throw new UserError('project-gone', 'This project no longer exists.');
    const notes: string[] = [];
    if (check.skipped !== null) notes.push(`-# New tags were not checked on e621: ${check.skipped}.`);
    const running = await findLiveFetch(db, project.id);
    if (running !== null) {
      notes.push(
        `A fetch is running with the previous query (run #${running.id}); the next fetch uses this one.`,
      );
    }
    if (after.required.length === 0 && before.required.length > 0) {
      notes.push('The query has no groups now; preview and fetch need at least one.');
    }
    await interaction.editReply(queryMessage(saved, after, { changes: queryChanges(before, after), notes }));
  },
  async autocomplete(interaction, { db, e621, log }) {
    const focused = interaction.options.getFocused(true).name;
    if (focused === PROJECT_OPTION) {
      await autocompleteProject(db, interaction);
      return;
    }
    if (focused === 'blacklist_remove') {
      // Offers what is in the blacklist now; no e621 request needed.
      const project = await resolveProject(
        db,
        interaction,
        interaction.options.getString(PROJECT_OPTION),
      ).catch(() => null);
      const typed = String(interaction.options.getFocused()).trim().toLowerCase();
      const groups = project ? storedQuery(project.query).blacklist.map((group) => group.join(', ')) : [];
      await interaction.respond(
        groups
          .filter((group) => group.includes(typed.replace(/\s+/g, '_')))
          .slice(0, 25)
          .map((group) => ({ name: group.slice(0, 100), value: group.slice(0, 100) })),
      );
      return;
    }
    if ((TAG_LIST_OPTIONS as readonly string[]).includes(focused)) {
      await autocompleteTagList(interaction, e621, log);
      return;
    }
    await interaction.respond([]);
  },
};
