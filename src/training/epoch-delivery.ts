import { readFile, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { infoTxtScores } from '../core/epochs/scores.ts';
import { UserError } from '../core/errors.ts';
import { buildInfoTxt } from '../core/info-txt.ts';
import type { Db } from '../db/client.ts';
import { listEpochVotes } from '../db/repositories/epochs.ts';
import type { EpochScoreRow, ProjectRow, TrainingRunRow } from '../db/schema/index.ts';
import type { LinkSigner } from '../delivery/links.ts';
import { modelDeliveryMessage } from '../delivery/model-message.ts';
import { runFileKeyOf, runFilesKey, storeDownloadLink } from '../delivery/store-links.ts';
import { materialize } from '../storage/cache.ts';
import type { ObjectStore } from '../storage/object-store.ts';
import { processStore } from '../storage/process-store.ts';
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
 * Whether an epoch can still be delivered from somewhere: its files on this disk, or in the object store (a GPU
 * worker on a machine of its own, or one whose disk was wiped).
 */
export async function epochFilesAvailable(
  filesDir: string,
  row: EpochScoreRow,
  store: ObjectStore | null = processStore(),
): Promise<boolean> {
  if (await epochFilesPresent(filesDir, row)) return true;
  const fileKey = row.filePath ? runFileKeyOf(row.runId, row.filePath) : null;
  if (store === null || fileKey === null) return false;
  return (
    (await store.stat(fileKey)) !== null &&
    (await store.stat(runFilesKey(row.runId, 'info-input.json'))) !== null
  );
}

/** A run file the worker recorded by its path, here: that path when it is on this disk, else fetched from the store. */
async function runFileHere(
  store: ObjectStore | null,
  filesDir: string,
  runId: number,
  localPath: string | null,
  key: string | null,
): Promise<string | null> {
  if (await isFile(localPath)) return localPath;
  return key ? materialize(store, dirname(filesDir), key) : null;
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
  /** Where the files are when not on this disk (default: the process's store). */
  store?: ObjectStore | null;
  linkTtlSeconds?: number;
}): Promise<OutgoingMessage> {
  const { db, run, project, row } = input;
  const store = input.store === undefined ? processStore() : input.store;
  const filePath = await runFileHere(
    store,
    input.filesDir,
    run.id,
    row.filePath,
    row.filePath ? runFileKeyOf(run.id, row.filePath) : null,
  );
  const infoPath = await runFileHere(
    store,
    input.filesDir,
    run.id,
    join(runDeliveryDir(input.filesDir, run.id), 'info-input.json'),
    runFilesKey(run.id, 'info-input.json'),
  );
  if (filePath === null || infoPath === null) throw epochFilesGone(row.epoch);
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
    // With an object store, a file over the limit goes out as the store's presigned link.
    storeLink: () => {
      const key = runFileKeyOf(run.id, filePath);
      return key
        ? storeDownloadLink(store, key, fileName, input.linkTtlSeconds ?? 7 * 24 * 3600)
        : Promise.resolve(null);
    },
  });
  return message;
}
