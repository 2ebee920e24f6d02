import {
  ContainerBuilder,
  MessageFlags,
  SeparatorBuilder,
  TextDisplayBuilder,
  type RESTPostAPIChannelMessageJSONBody,
} from 'discord.js';
import { fetchTallyLine, tallyNumbers, type FetchTally } from '../core/query/fetch-tally.ts';
import { describeReasons } from '../e621/collect.ts';
import type { FetchPhase, FetchProgress, FetchSummary } from '../worker/jobs/fetch.ts';

/**
 * The fetch job's two messages in the project thread: one status message, edited every few seconds while
 * the job works, and a summary posted at the end (counts, skip reasons, duplicate pairs).
 */

const KILN_ORANGE = 0xe8743b;
const FAILED_RED = 0xd9534f;
const DONE_GREEN = 0x4caf50;
/** Lines listed per section; the rest are counted. A V2 message holds 4000 characters of text in all. */
const LIST_LIMIT = 10;

const PHASE_TITLES: Record<FetchPhase, string> = {
  searching: '🔎 searching e621',
  downloading: '⬇️ downloading and resizing',
  deduplicating: '🧮 looking for duplicates',
  done: '✅ done',
  failed: '❌ stopped',
};

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function number(value: number): string {
  return value.toLocaleString('en-US');
}

const bold = (text: string): string => `**${text}**`;

/** The job's numbers as the one fetch tally every summary uses (Discord and `kiln fetch`). */
export function tallyOf(progress: FetchProgress, ready: number): FetchTally {
  const pairs = isSummary(progress) ? progress.duplicatePairs : [];
  const exact = pairs.filter((pair) => pair.kind === 'exact').length;
  return {
    taken: progress.found,
    skippedBeforeDownload: progress.skippedBeforeDownload,
    notStored: progress.notStored,
    resized: progress.resized,
    alreadyStored: progress.cached,
    duplicates: { exact, near: progress.duplicates - exact },
    ready,
  };
}

function isSummary(progress: FetchProgress): progress is FetchSummary {
  return progress.phase === 'done' && 'duplicatePairs' in progress;
}

/**
 * While the job works: what is taken (and what the filters left out before it), then how far the
 * images are: "10 taken of 12 matching (2 skipped before download) · 4 downloaded · 3 stored · 1 could not be stored".
 */
export function countsLine(progress: FetchProgress): string {
  const n = tallyNumbers(tallyOf(progress, 0));
  const parts = [
    `**${number(n.taken)}** taken of ${number(n.lookedAt)} matching` +
      (n.skippedBeforeDownload > 0 ? ` (${number(n.skippedBeforeDownload)} skipped before download)` : ''),
    `**${number(progress.downloaded)}** downloaded`,
    `**${number(n.stored)}** stored${n.alreadyStored > 0 ? ` (${number(n.alreadyStored)} already stored)` : ''}`,
  ];
  if (n.notStored > 0) parts.push(`**${number(n.notStored)}** could not be stored`);
  if (progress.duplicates > 0) parts.push(`**${number(progress.duplicates)}** duplicates`);
  return parts.join(' · ');
}

function v2(container: ContainerBuilder, mentionUsers: string[] = []): RESTPostAPIChannelMessageJSONBody {
  return {
    flags: MessageFlags.IsComponentsV2,
    components: [container.toJSON()],
    allowed_mentions: { parse: [], users: mentionUsers },
  };
}

/** The status message, as it reads at one moment of the job. */
export function fetchProgressMessage(
  characterName: string,
  progress: FetchProgress,
): RESTPostAPIChannelMessageJSONBody {
  const lines = [
    `### Fetch · ${clip(characterName, 80)} · ${PHASE_TITLES[progress.phase]}`,
    countsLine(progress),
  ];
  if (progress.phase === 'downloading' && progress.found > 0) {
    const stored = progress.resized + progress.cached;
    lines.push(`${number(stored)} of ${number(progress.found)} images stored so far.`);
  }
  const reasons = describeReasons(progress.skipReasons);
  if (reasons !== 'none') lines.push(`Skipped: ${reasons}.`);
  if (progress.phase === 'failed' && progress.error) lines.push(`**Why:** ${clip(progress.error, 1500)}`);
  const footer =
    progress.phase === 'done'
      ? 'the summary follows'
      : progress.phase === 'failed'
        ? '`/lora fetch` tries again; nothing already stored is downloaded twice'
        : 'updated every few seconds';
  lines.push(`-# Run #${progress.runId} · ${footer}`);
  const colour =
    progress.phase === 'failed' ? FAILED_RED : progress.phase === 'done' ? DONE_GREEN : KILN_ORANGE;
  return v2(
    new ContainerBuilder()
      .setAccentColor(colour)
      .addTextDisplayComponents(new TextDisplayBuilder().setContent(lines.join('\n'))),
  );
}

function listed<T>(items: readonly T[], line: (item: T) => string): string {
  const shown = items.slice(0, LIST_LIMIT).map((item) => `- ${line(item)}`);
  if (items.length > LIST_LIMIT) shown.push(`- …and ${number(items.length - LIST_LIMIT)} more`);
  return shown.join('\n');
}

export interface SummaryContext {
  characterName: string;
  /** e621's page for a post. */
  postUrl: (postId: number) => string;
  requestedBy?: string | undefined;
}

/** The summary posted when a fetch finished: what is ready for pruning, and everything left out and why. */
export function fetchSummaryMessage(
  summary: FetchSummary,
  context: SummaryContext,
): RESTPostAPIChannelMessageJSONBody {
  const link = (postId: number) => `[#${postId}](<${context.postUrl(postId)}>)`;
  const head = [
    `## Fetched · ${clip(context.characterName, 80)}`,
    fetchTallyLine(tallyOf(summary, summary.kept), { strong: bold }),
    `\`/lora prune\` posts the ${number(summary.kept)} ready images for everyone to vote.`,
    summary.groups
      .map(
        (group) =>
          `Group ${group.group + 1} \`${clip(group.tags.join(', '), 120)}\`: ${number(group.matched)}${group.complete ? '' : '+'} ${group.matched === 1 && group.complete ? 'post' : 'posts'}`,
      )
      .join(' · '),
  ];
  if (summary.scoreAtRankN !== null) {
    head.push(`Score of the last post taken (rank ${number(summary.found)}): **${summary.scoreAtRankN}**.`);
  }
  const container = new ContainerBuilder()
    .setAccentColor(DONE_GREEN)
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(head.join('\n')));

  if (summary.skipped > 0) {
    const text = [
      `### Skipped (${number(summary.skipped)}): ${describeReasons(summary.skipReasons)}`,
      listed(summary.skippedPosts, (post) => `${link(post.postId)} ${clip(post.reason, 160)}`),
    ].join('\n');
    container
      .addSeparatorComponents(new SeparatorBuilder())
      .addTextDisplayComponents(new TextDisplayBuilder().setContent(text));
  }
  if (summary.duplicatePairs.length > 0) {
    const text = [
      `### Duplicates (${number(summary.duplicatePairs.length)}): the copy with the lower score, or the smaller one, is left out`,
      listed(summary.duplicatePairs, (pair) =>
        pair.kind === 'exact'
          ? `${link(pair.postId)} is the same file as ${link(pair.duplicateOf)}: kept #${pair.duplicateOf}`
          : `${link(pair.postId)} looks like ${link(pair.duplicateOf)} (perceptual hashes ${pair.distance} of 64 bits apart): kept #${pair.duplicateOf}`,
      ),
    ].join('\n');
    container
      .addSeparatorComponents(new SeparatorBuilder())
      .addTextDisplayComponents(new TextDisplayBuilder().setContent(text));
  }
  const footer = summary.warnings.map((warning) => `⚠️ ${clip(warning, 300)}`);
  footer.push(
    `-# Run #${summary.runId}${context.requestedBy ? ` · requested by <@${context.requestedBy}>` : ''}`,
  );
  container
    .addSeparatorComponents(new SeparatorBuilder())
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(footer.join('\n')));
  return v2(container, context.requestedBy ? [context.requestedBy] : []);
}
