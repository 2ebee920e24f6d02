import { UserError } from '../../../core/errors.ts';
import { describeQuery } from '../../../core/query/plan.ts';
import { countFetchRuns, latestFetchRun } from '../../../db/repositories/acquisition.ts';
import type { ProjectRow } from '../../../db/schema/index.ts';
import type { Db } from '../../../db/client.ts';
import { statusMessageOf } from '../../../queue/job-progress.ts';
import { UNFINISHED_JOB_STATES, type JobInfo, type JobProducer } from '../../../queue/producer.ts';
import { findLiveFetch } from '../../../db/repositories/fetch-runs.ts';
import type { Subcommand } from '../../handler-types.ts';
import {
  assertCanEdit,
  autocompleteProject,
  PROJECT_OPTION,
  resolveProject,
  withProjectOption,
} from '../../project-access.ts';
import { plannedQuery } from '../../project-query.ts';
import { ensureProjectThread } from '../../project-thread.ts';

/**
 * `/lora fetch`: queues the fetch job. One fetch per project at a time: the job id is deterministic (the
 * project and the number of its fetches so far), and a running fetch row refuses a second one, pointing at
 * the running one's status message.
 */

/** `fetch-12-3`: the third fetch of project 12. Two clicks at once get the same id, so BullMQ keeps one. */
export function fetchJobId(projectId: number, fetchNumber: number): string {
  return `fetch-${projectId}-${fetchNumber}`;
}

function messageLink(guildId: string, info: JobInfo | null, fallbackThreadId: string | null): string {
  const status = info ? statusMessageOf(info.progress) : null;
  if (status) return `https://discord.com/channels/${guildId}/${status.channelId}/${status.messageId}`;
  return fallbackThreadId ? `<#${fallbackThreadId}>` : 'the project thread';
}

function isUnfinished(info: JobInfo | null): info is JobInfo {
  return info !== null && (UNFINISHED_JOB_STATES as readonly string[]).includes(info.state);
}

/** The id for the next fetch job, or a UserError pointing at the fetch that runs or waits already. */
async function nextFetchJobId(db: Db, jobs: JobProducer, project: ProjectRow): Promise<string> {
  const running = await findLiveFetch(db, project.id);
  if (running !== null) {
    const info = running.jobId ? await jobs.inspect('fetch', running.jobId) : null;
    const who = running.requestedBy ? ` by <@${running.requestedBy}>` : '';
    throw new UserError(
      'already-running',
      `A fetch of **${project.characterName}** is already running (run #${running.id}, started ` +
        `<t:${Math.floor(running.startedAt.getTime() / 1000)}:R>${who}). Its progress: ` +
        `${messageLink(project.guildId, info, project.threadId)}. Start another once it has finished.`,
    );
  }
  // A run that failed may still have its job waiting to retry (BullMQ backs off between attempts).
  const latest = await latestFetchRun(db, project.id);
  const retrying = latest?.jobId ? await jobs.inspect('fetch', latest.jobId) : null;
  if (latest !== null && isUnfinished(retrying)) {
    throw new UserError(
      'already-running',
      `The last fetch of **${project.characterName}** (run #${latest.id}) stopped${
        latest.error ? ` (${latest.error.slice(0, 300)})` : ''
      } and will be retried shortly. Its progress: ${messageLink(project.guildId, retrying, project.threadId)}.`,
    );
  }
  const jobId = fetchJobId(project.id, (await countFetchRuns(db, project.id)) + 1);
  const queued = await jobs.inspect('fetch', jobId);
  if (isUnfinished(queued)) {
    const position = await jobs.position('fetch', jobId);
    const where =
      queued.state === 'active'
        ? 'a worker is starting it'
        : position !== null
          ? position === 0
            ? 'it is next in line'
            : `${position} job${position === 1 ? '' : 's'} wait before it`
          : 'it waits for a worker';
    throw new UserError(
      'already-running',
      `A fetch of **${project.characterName}** is already queued (${where}, queued ` +
        `<t:${Math.floor(queued.queuedAt / 1000)}:R>). Its progress will show in ` +
        `${messageLink(project.guildId, queued, project.threadId)}.`,
    );
  }
  return jobId;
}

export const fetchCommand: Subcommand = {
  name: 'fetch',
  build: (sub) =>
    withProjectOption(
      sub
        .setName('fetch')
        .setDescription("Download the query's top posts: resize, record and de-duplicate them for pruning"),
    ),
  acknowledge: 'ephemeral',
  async run(interaction, { db, client, jobs }) {
    const project = await resolveProject(db, interaction, interaction.options.getString(PROJECT_OPTION));
    await assertCanEdit(db, interaction, project, 'start a fetch');
    if (project.datasetFrozenAt !== null) {
      throw new UserError(
        'dataset-frozen',
        `The dataset of **${project.characterName}** was finalized; a fetch would change it.`,
      );
    }
    const { query } = plannedQuery(project);
    const jobId = await nextFetchJobId(db, jobs, project);
    // The worker posts its progress into the thread, so it must exist before the job is queued.
    const { thread, recreated } = await ensureProjectThread(client, db, project);
    await jobs.enqueue(
      'fetch',
      { projectId: project.id, requestedBy: interaction.user.id },
      { jobId, replaceFinished: true },
    );
    const position = await jobs.position('fetch', jobId);
    const wait =
      position !== null && position > 0 ? ` ${position} job${position === 1 ? '' : 's'} wait before it.` : '';
    await interaction.editReply({
      content:
        `Queued a fetch of the top ${query.topN} for **${project.characterName}**.${wait} ` +
        `Progress and the summary will appear in <#${thread.id}>${recreated ? ' (a new thread: the old one was deleted)' : ''}.\n` +
        `-# ${describeQuery(query).slice(0, 1500)}`,
      allowedMentions: { parse: [] },
    });
  },
  autocomplete: (interaction, { db }) => autocompleteProject(db, interaction),
};
