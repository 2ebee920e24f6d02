import { readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { infoTxtScores } from '../core/epochs/scores.ts';
import { UserError } from '../core/errors.ts';
import { buildInfoTxt } from '../core/info-txt.ts';
import type { Db } from '../db/client.ts';
import { listEpochVotes } from '../db/repositories/epochs.ts';
import type { EpochScoreRow, ProjectRow, TrainingRunRow } from '../db/schema/index.ts';
import type { LinkSigner } from '../delivery/links.ts';
import { modelDeliveryMessage } from '../delivery/model-message.ts';
import { formatBytes } from '../delivery/upload-limit.ts';
import type { OutgoingMessage } from '../notify/discord-rest.ts';
import { sha256File } from '../trainer/safetensors.ts';
import { parseInfoInput } from './info-input.ts';

/** Where a run's delivered files lie: DATA_DIR/models/lora/<run id> (the model, epochs/, info-input.json). */
export function runDeliveryDir(filesDir: string, runId: number): string {
  return join(filesDir, 'lora', String(runId));
}

export async function isFile(path: string | null): Promise<boolean> {
  if (!path) return false;
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

export function epochFilesGone(epoch: number): UserError {
  return new UserError(
    'files-gone',
    `Epoch ${epoch}'s file is no longer on the worker (this training's files were cleaned up), so it cannot be voted on or delivered. Start the training again from the plan card.`,
  );
}

/** Whether an epoch's file and the run's info.txt input are still on disk. */
export async function epochFilesPresent(filesDir: string, row: EpochScoreRow): Promise<boolean> {
  return (
    (await isFile(row.filePath)) &&
    (await isFile(join(runDeliveryDir(filesDir, row.runId), 'info-input.json')))
  );
}

/**
 * The message that delivers the epoch friends voted for: hashed, with an info.txt that records the epoch, its
 * scores, the vote and the sample prompts, the file attached or linked like a finished training's model.
 */
export async function epochDeliveryMessage(input: {
  db: Db;
  run: TrainingRunRow;
  project: ProjectRow;
  row: EpochScoreRow;
  deliveredByName: string;
  filesDir: string;
  uploadLimit: number;
  links: LinkSigner | null;
}): Promise<OutgoingMessage> {
  const { db, run, project, row } = input;
  if (!(await epochFilesPresent(input.filesDir, row))) throw epochFilesGone(row.epoch);
  const filePath = row.filePath!;
  const infoPath = join(runDeliveryDir(input.filesDir, run.id), 'info-input.json');
  const votes = await listEpochVotes(db, run.id);
  const { input: infoInput, samplePrompts } = parseInfoInput(await readFile(infoPath, 'utf8'));
  const fileName = filePath.slice(filePath.lastIndexOf('/') + 1);
  const sizeBytes = (await stat(filePath)).size;
  const sha256 = await sha256File(filePath);
  const count = votes.filter((vote) => vote.epoch === row.epoch).length;
  const scores = row.scores;
  const info = buildInfoTxt({
    ...infoInput,
    file: { name: fileName, sizeBytes, sha256 },
    chosenEpoch: {
      epoch: row.epoch,
      totalEpochs: row.totalEpochs,
      chosenBy: `friends' vote (${count} of ${votes.length}), delivered by ${input.deliveredByName}`,
      ...(scores ? { scores: infoTxtScores(scores) } : {}),
      ...(samplePrompts.length > 0 ? { samplePrompts } : {}),
    },
  });
  const { message } = await modelDeliveryMessage({
    headline: `✅ **${project.characterName}** on **${run.baseModelName}**, epoch **${row.epoch}/${row.totalEpochs}** chosen by vote: \`${fileName}\`, ${formatBytes(sizeBytes)}.\nSHA-256 \`${sha256}\``,
    fileName,
    filePath,
    relativePath: relative(input.filesDir, filePath).split('\\').join('/'),
    sizeBytes,
    infoText: info,
    uploadLimit: input.uploadLimit,
    links: input.links,
  });
  return message;
}
