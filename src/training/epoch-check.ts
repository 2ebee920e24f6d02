import { basename } from 'node:path';
import {
  buildSamplePrompts,
  overfittingCandidates,
  scoreEpoch,
  tokenBudgetWarnings,
  type DatasetTagCount,
  type EpochScores,
  type PlannedSamplePrompt,
  type ScoreContext,
} from '../core/epochs/index.ts';
import { tagCounts, type OutfitDefinition } from '../core/tags/dataset.ts';
import { DEFAULT_THRESHOLDS } from '../core/tags/thresholds.ts';
import type { ModelFamily } from '../core/tags/types.ts';
import { parseSampleFileName, type SamplePrompt } from '../core/training/outputs.ts';
import type { Db } from '../db/client.ts';
import type { ProjectRow } from '../db/schema/index.ts';
import type { Logger } from '../log.ts';
import type { Tagger } from '../tagger/tagger.ts';
import type { TaggerKind } from '../tagger/tags-file.ts';
import { loadProjectTagging } from '../tagging/project-tags.ts';
import { SAMPLE_SEED_BASE, type EpochSampling } from './plan.ts';
import { renderSampleGrid } from './sample-grid.ts';

/**
 * The worker's side of the epoch check: which prompts to sample (from the project's tagging decisions), and, for
 * each epoch's samples, the labelled grid and the likeness scores from the tags the tagger detects.
 */

/** What the check needs from the tagging step. */
export interface EpochCheckProject {
  /** Traits folded into the main tag. */
  traits: readonly string[];
  outfits: readonly OutfitDefinition[];
  datasetTags: ReadonlyMap<string, DatasetTagCount>;
  imageCount: number;
}

export const EMPTY_EPOCH_CHECK_PROJECT: EpochCheckProject = {
  traits: [],
  outfits: [],
  datasetTags: new Map(),
  imageCount: 0,
};

/** Two fixed seeds per prompt: epochs compare like for like, and one seed is not one lucky picture. */
export const EPOCH_SAMPLE_SEEDS: readonly number[] = [SAMPLE_SEED_BASE, SAMPLE_SEED_BASE + 1];

/** Reads folds, outfits and dataset tag counts from the tagging tables; nothing when the project was not tagged. */
export async function loadEpochCheckProject(
  db: Db,
  project: ProjectRow,
  log?: Logger,
): Promise<EpochCheckProject> {
  try {
    const tagging = await loadProjectTagging(db, project);
    return {
      traits: tagging.decisions.fold ?? [],
      outfits: tagging.decisions.outfits ?? [],
      datasetTags: tagCounts(tagging.images),
      imageCount: tagging.images.length,
    };
  } catch (error) {
    log?.warn({ err: error }, 'could not read the tagging decisions; sample prompts use the main tag only');
    return EMPTY_EPOCH_CHECK_PROJECT;
  }
}

export interface EpochCheckPlan {
  planned: PlannedSamplePrompt[];
  seeds: readonly number[];
  samplePrompts: SamplePrompt[];
  context: ScoreContext;
  /** Token-budget warnings (estimates) to post in the thread. */
  warnings: string[];
  taggerKind: TaggerKind;
}

export function planEpochCheck(input: {
  mainTag: string;
  family: ModelFamily;
  ownerPrompts: readonly string[];
  project: EpochCheckProject;
  seeds?: readonly number[];
}): EpochCheckPlan {
  const seeds = input.seeds ?? EPOCH_SAMPLE_SEEDS;
  const planned = buildSamplePrompts({
    mainTag: input.mainTag,
    family: input.family,
    outfits: input.project.outfits.map((outfit) => outfit.tag),
    datasetTags: input.project.datasetTags,
    ownerPrompts: input.ownerPrompts,
  });
  const exclude = [
    ...input.project.traits,
    ...input.project.outfits.flatMap((outfit) => [outfit.tag, ...outfit.components]),
  ];
  return {
    planned,
    seeds,
    samplePrompts: planned.map((p) => ({ prompt: p.prompt, seeds })),
    context: {
      prompts: planned,
      traits: input.project.traits,
      outfits: input.project.outfits,
      overfitTags: overfittingCandidates(input.project.datasetTags, input.project.imageCount, {
        mainTag: input.mainTag,
        exclude,
      }),
    },
    warnings: tokenBudgetWarnings(planned.map((p) => p.prompt)).map((w) => w.message),
    taggerKind: input.family === 'anime' ? 'wd' : 'e621',
  };
}

/** What the epoch check renders per epoch, for the plan's time estimate (the same prompts the worker will use). */
export function epochSamplingOf(plan: Pick<EpochCheckPlan, 'planned' | 'seeds'>): EpochSampling {
  return { on: true, prompts: plan.planned.length, seeds: plan.seeds.length };
}

/** Where each sample sits: its prompt (row) and seed (column), from sd-scripts' line index. */
export function placeSamples(
  paths: readonly string[],
  outputName: string,
  plan: Pick<EpochCheckPlan, 'planned' | 'seeds'>,
): Array<{ path: string; promptIndex: number; seedIndex: number; seed: number }> {
  const placed = [];
  for (const path of paths) {
    const info = parseSampleFileName(basename(path), outputName);
    if (!info) continue;
    const promptIndex = Math.floor(info.promptIndex / plan.seeds.length);
    const seedIndex = info.promptIndex % plan.seeds.length;
    if (promptIndex >= plan.planned.length) continue;
    placed.push({ path, promptIndex, seedIndex, seed: plan.seeds[seedIndex] ?? 0 });
  }
  return placed;
}

export interface EpochCheckResult {
  grid: Buffer;
  /** Null when no tagger is available. */
  scores: EpochScores | null;
}

/** The grid of one epoch's samples and, with a tagger, their scores. */
export async function checkEpoch(input: {
  epoch: number;
  title: string;
  paths: readonly string[];
  outputName: string;
  plan: EpochCheckPlan;
  tagger: Tagger | null;
  threshold?: number;
}): Promise<EpochCheckResult> {
  const { plan } = input;
  const placed = placeSamples(input.paths, input.outputName, plan);
  const grid = await renderSampleGrid({
    title: input.title,
    seeds: plan.seeds,
    rows: plan.planned.map((prompt, row) => ({
      label: prompt.prompt,
      cells: plan.seeds.map(
        (_, column) => placed.find((p) => p.promptIndex === row && p.seedIndex === column)?.path ?? null,
      ),
    })),
  });
  if (!input.tagger || placed.length === 0) return { grid, scores: null };
  const threshold = input.threshold ?? DEFAULT_THRESHOLDS[input.tagger.kind];
  const tagged = await input.tagger.tag(
    placed.map((p) => p.path),
    { threshold },
  );
  const byPath = new Map(tagged.map((image) => [image.path, image]));
  const scores = scoreEpoch(
    input.epoch,
    placed.map((p, i) => ({
      promptIndex: p.promptIndex,
      seed: p.seed,
      tags: ((byPath.get(p.path) ?? tagged[i])?.tags ?? []).filter((t) => t.accepted).map((t) => t.tag),
    })),
    plan.context,
  );
  return { grid, scores };
}
