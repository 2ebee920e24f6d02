import { stat, readFile } from 'node:fs/promises';
import { writeVote } from '../vote-write.ts';
import { join, relative } from 'node:path';
import { infoTxtScores } from '../../core/epochs/scores.ts';
import { leadingEpoch, tallyEpochVotes } from '../../core/epochs/vote.ts';
import { UserError } from '../../core/errors.ts';
import { buildInfoTxt } from '../../core/info-txt.ts';
import type { Db } from '../../db/client.ts';
import {
  castEpochVote,
  deliveredEpoch,
  listEpochs,
  listEpochVotes,
  markEpochDelivered,
  unmarkEpochDelivered,
} from '../../db/repositories/epochs.ts';
import { getTrainingRun } from '../../db/repositories/training.ts';
import type { EpochScoreRow, ProjectRow, TrainingRunRow } from '../../db/schema/index.ts';
import { modelDeliveryMessage } from '../../delivery/model-message.ts';
import { runFileKeyOf, runFilesKey, storeDownloadLink } from '../../delivery/store-links.ts';
import { materialize } from '../../storage/cache.ts';
import { processStore } from '../../storage/process-store.ts';
import { formatBytes } from '../../delivery/upload-limit.ts';
import { sha256File } from '../../trainer/safetensors.ts';
import { parseInfoInput } from '../../training/info-input.ts';
import type { ComponentHandler } from '../handler-types.ts';
import { assertCanEdit, loadProjectForComponent } from '../project-access.ts';
import { uploadLimitOf } from '../upload-limit.ts';
import { epochVoteCard } from '../../views/epoch-vote.ts';
import { epochVoteId, type EpochAction } from '../../views/epoch-vote-ids.ts';

/**
 * The epoch vote card's buttons: friends vote for an epoch (a new click replaces their vote); the owner (or an
 * editor) delivers the leading epoch, with the same delivery as a finished training and an info.txt that records
 * the epoch, its scores and the sample prompts.
 */

async function loadRun(
  db: Db,
  runId: number,
  guildId: string,
): Promise<{ run: TrainingRunRow; project: ProjectRow; epochs: EpochScoreRow[] }> {
  const run = await getTrainingRun(db, runId);
  if (!run) throw new UserError('project-gone', 'This training no longer exists.');
  const project = await loadProjectForComponent(db, run.projectId, guildId);
  const epochs = await listEpochs(db, runId);
  if (epochs.length === 0) {
    throw new UserError('not-found', 'This training kept no epoch files, so there is nothing to vote on.');
  }
  return { run, project, epochs };
}

async function exists(path: string | null): Promise<boolean> {
  if (!path) return false;
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/**
 * A run file the worker recorded by its own path, as a file on this machine: the path itself when the bot shares
 * the worker's disk, else fetched from the store into this process's DATA_DIR. Null when it is gone.
 */
async function runFileHere(
  dataDir: string,
  runId: number,
  recordedPath: string | null,
): Promise<string | null> {
  if (await exists(recordedPath)) return recordedPath;
  const key = recordedPath ? runFileKeyOf(runId, recordedPath) : null;
  return key ? materialize(processStore(), dataDir, key) : null;
}

function cleanedUp(epoch: number): UserError {
  return new UserError(
    'files-gone',
    `Epoch ${epoch}'s file is no longer on the worker (this training's files were cleaned up), so it cannot be voted on or delivered. Start the training again from the plan card.`,
  );
}

async function card(
  db: Db,
  run: TrainingRunRow,
  project: ProjectRow,
  epochs: readonly EpochScoreRow[],
): Promise<ReturnType<typeof epochVoteCard>> {
  const votes = await listEpochVotes(db, run.id);
  const offered = epochs.map((row) => row.epoch);
  const delivered = epochs.find((row) => row.deliveredAt !== null);
  return epochVoteCard({
    runId: run.id,
    characterName: project.characterName,
    baseModelName: run.baseModelName,
    ownerId: project.ownerId,
    epochs: epochs.map((row) => ({ epoch: row.epoch, scores: row.scores })),
    tally: tallyEpochVotes(votes, offered),
    leading: leadingEpoch(votes, offered, project.ownerId),
    delivered: delivered ? { epoch: delivered.epoch, by: delivered.deliveredBy ?? project.ownerId } : null,
    checkUnavailable: epochs.every((row) => row.scores === null),
  });
}

export const epochVote: ComponentHandler<EpochAction> = {
  codec: epochVoteId,
  acknowledge: 'ephemeral',
  async run(interaction, action, context) {
    const { db, training, log } = context;
    const { run, project, epochs } = await loadRun(db, action.runId, interaction.guildId);
    const done = await deliveredEpoch(db, run.id);
    if (done) {
      throw new UserError('vote-closed', `Epoch ${done.epoch} was already delivered; the vote is closed.`);
    }
    if (!('deliver' in action)) {
      const row = epochs.find((e) => e.epoch === action.epoch);
      if (!row) throw new UserError('not-found', `Epoch ${action.epoch} is not part of this vote.`);
      const key = row.filePath ? runFileKeyOf(run.id, row.filePath) : null;
      const store = processStore();
      const somewhere =
        (await exists(row.filePath)) || (key !== null && store !== null && (await store.stat(key)) !== null);
      if (!somewhere) throw cleanedUp(action.epoch);
      await writeVote(context.log, () => castEpochVote(db, run.id, interaction.user.id, action.epoch));
      await interaction.message.edit(await card(db, run, project, epochs));
      await interaction.editReply({ content: `Your vote: epoch ${action.epoch}.` });
      return;
    }

    await assertCanEdit(db, interaction, project, 'deliver an epoch');
    const votes = await listEpochVotes(db, run.id);
    const offered = epochs.map((e) => e.epoch);
    const chosen = leadingEpoch(votes, offered, project.ownerId);
    if (chosen === null) throw new UserError('not-found', 'Nobody voted yet; vote for an epoch first.');
    const row = epochs.find((e) => e.epoch === chosen)!;
    const deliveryDir = join(training.filesDir, 'lora', String(run.id));
    const filePath = await runFileHere(context.dataDir, run.id, row.filePath);
    const infoPath = (await exists(join(deliveryDir, 'info-input.json')))
      ? join(deliveryDir, 'info-input.json')
      : await materialize(processStore(), context.dataDir, runFilesKey(run.id, 'info-input.json'));
    if (filePath === null || infoPath === null) throw cleanedUp(chosen);
    if (!(await markEpochDelivered(db, run.id, chosen, interaction.user.id))) {
      throw new UserError('vote-closed', 'Another epoch was just delivered; the vote is closed.');
    }
    try {
      const { input, samplePrompts } = parseInfoInput(await readFile(infoPath, 'utf8'));
      const fileName = filePath.slice(filePath.lastIndexOf('/') + 1);
      const sizeBytes = (await stat(filePath)).size;
      const sha256 = await sha256File(filePath);
      const count = tallyEpochVotes(votes, offered).find((t) => t.epoch === chosen)?.votes ?? 0;
      const scores = row.scores;
      const info = buildInfoTxt({
        ...input,
        file: { name: fileName, sizeBytes, sha256 },
        chosenEpoch: {
          epoch: chosen,
          totalEpochs: row.totalEpochs,
          chosenBy: `friends' vote (${count} of ${votes.length}), delivered by ${interaction.user.username}`,
          ...(scores ? { scores: infoTxtScores(scores) } : {}),
          ...(samplePrompts.length > 0 ? { samplePrompts } : {}),
        },
      });
      const { message } = await modelDeliveryMessage({
        headline: `✅ **${project.characterName}** on **${run.baseModelName}**, epoch **${chosen}/${row.totalEpochs}** chosen by vote: \`${fileName}\`, ${formatBytes(sizeBytes)}.\nSHA-256 \`${sha256}\``,
        fileName,
        filePath,
        relativePath: relative(training.filesDir, filePath).split('\\').join('/'),
        sizeBytes,
        infoText: info,
        uploadLimit: uploadLimitOf(interaction),
        links: training.links,
        storeLink: () => {
          const key = runFileKeyOf(run.id, filePath);
          return key
            ? storeDownloadLink(processStore(), key, fileName, training.linkTtlSeconds ?? 7 * 24 * 3600)
            : Promise.resolve(null);
        },
      });
      const channel = interaction.channel;
      if (!channel?.isSendable()) throw new Error('the vote card channel cannot be posted in');
      await channel.send({
        ...(message.body as { content: string }),
        files: (message.files ?? []).map((file) => ({ attachment: file.data, name: file.name })),
      });
    } catch (error) {
      await unmarkEpochDelivered(db, run.id, chosen);
      throw error;
    }
    log.info({ runId: run.id, epoch: chosen }, 'epoch delivered');
    await interaction.message.edit(await card(db, run, project, await listEpochs(db, run.id)));
    await interaction.editReply({ content: `Delivered epoch ${chosen}.` });
  },
};
