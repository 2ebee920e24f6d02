import { canonicalTag } from '../tags/names.ts';
import { classifyTag } from '../tags/groups.ts';
import { outfitApplies, type OutfitDefinition } from '../tags/dataset.ts';
import type { DatasetTagCount, PlannedSamplePrompt, ProbeGroup } from './prompts.ts';

/**
 * Likeness and flexibility scores of one epoch, from the tags the taggers detect on its samples (guide, "Testing
 * the LoRA": likeness from the main tag alone, outfits only when prompted, no forced poses, objects or styles).
 */

export interface SampleDetection {
  /** Index into the planned prompts. */
  promptIndex: number;
  seed: number;
  /** Tags detected on the sample (canonical or not). */
  tags: Iterable<string>;
}

export interface ScoreContext {
  prompts: readonly PlannedSamplePrompt[];
  /** Traits folded into the main tag (eye colour, markings…). */
  traits: readonly string[];
  /** Outfits with their component tags: a sample wears one when most components are detected. */
  outfits: readonly OutfitDefinition[];
  /** Dataset tags that, appearing unprompted, hint at overfitting (see `overfittingCandidates`). */
  overfitTags: readonly { tag: string; datasetShare: number }[];
}

export interface Ratio {
  hits: number;
  total: number;
}

export interface EpochScores {
  epoch: number;
  /** Folded traits detected on main-tag-only samples (trait × sample pairs), with the traits never seen. */
  traitRecall: Ratio & { missing: string[] };
  outfits: Array<{ tag: string; prompted: Ratio; unprompted: Ratio }>;
  flexibility: Ratio & { probes: Array<{ group: ProbeGroup; tag: string } & Ratio> };
  /** Frequent dataset context tags that appeared on samples that did not ask for them. */
  overfitting: Array<{ tag: string; datasetShare: number } & Ratio>;
}

/** A share in 0..1, or null when nothing was measured. */
export function share(ratio: Ratio): number | null {
  return ratio.total === 0 ? null : ratio.hits / ratio.total;
}

/** Tags shared by at least half the dataset make the sign worth watching: a LoRA learns what is always there. */
export const OVERFIT_DATASET_SHARE = 0.5;

/**
 * Backgrounds, styles and objects (context tags and tags the guide does not group) on at least `minShare` of the
 * kept images. Traits, clothing, poses and expressions are left out: they belong to the character or are scored
 * elsewhere.
 */
export function overfittingCandidates(
  datasetTags: ReadonlyMap<string, DatasetTagCount>,
  imageCount: number,
  options: { mainTag: string; exclude?: readonly string[]; minShare?: number },
): Array<{ tag: string; datasetShare: number }> {
  if (imageCount <= 0) return [];
  const minShare = options.minShare ?? OVERFIT_DATASET_SHARE;
  const excluded = new Set([options.mainTag, ...(options.exclude ?? [])].map(canonicalTag));
  const found: Array<{ tag: string; datasetShare: number }> = [];
  for (const [name, { count, category }] of datasetTags) {
    const tag = canonicalTag(name);
    if (excluded.has(tag)) continue;
    if (category !== undefined && category !== 'general') continue;
    const group = classifyTag(tag, category);
    if (group !== null && group.kind !== 'context') continue;
    if (group?.id === 'text-icons') continue;
    const datasetShare = count / imageCount;
    if (datasetShare >= minShare) found.push({ tag, datasetShare });
  }
  return found.sort((a, b) => b.datasetShare - a.datasetShare || a.tag.localeCompare(b.tag));
}

function wears(detected: ReadonlySet<string>, outfit: OutfitDefinition): boolean {
  if (detected.has(canonicalTag(outfit.tag))) return true;
  const components = outfit.components.map(canonicalTag);
  return outfitApplies(components.filter((c) => detected.has(c)).length, components.length);
}

/** Scores one epoch's samples. Samples whose prompt index is unknown are ignored. */
export function scoreEpoch(
  epoch: number,
  samples: readonly SampleDetection[],
  context: ScoreContext,
): EpochScores {
  const traits = [...new Set(context.traits.map(canonicalTag))];
  const rows = samples.flatMap((sample) => {
    const prompt = context.prompts[sample.promptIndex];
    if (!prompt) return [];
    return [{ prompt, detected: new Set([...sample.tags].map(canonicalTag)) }];
  });

  const likeness = rows.filter((row) => row.prompt.kind === 'likeness');
  const seen = new Set<string>();
  let traitHits = 0;
  for (const row of likeness) {
    for (const trait of traits) {
      if (row.detected.has(trait)) {
        traitHits += 1;
        seen.add(trait);
      }
    }
  }

  const outfits = context.outfits.map((outfit) => {
    const tag = canonicalTag(outfit.tag);
    const prompted = { hits: 0, total: 0 };
    const unprompted = { hits: 0, total: 0 };
    for (const row of rows) {
      const target = row.prompt.tags.includes(tag) ? prompted : unprompted;
      // Owner prompts may describe the outfit in other words; only Kiln's own prompts count as "not prompted".
      if (target === unprompted && row.prompt.kind === 'owner') continue;
      target.total += 1;
      if (wears(row.detected, outfit)) target.hits += 1;
    }
    return { tag, prompted, unprompted };
  });

  const probeStats = new Map<string, { group: ProbeGroup; tag: string; hits: number; total: number }>();
  for (const row of rows) {
    for (const probe of row.prompt.probes ?? []) {
      const key = `${probe.group}:${probe.tag}`;
      const stat = probeStats.get(key) ?? { ...probe, hits: 0, total: 0 };
      stat.total += 1;
      if (row.detected.has(canonicalTag(probe.tag))) stat.hits += 1;
      probeStats.set(key, stat);
    }
  }
  const probes = [...probeStats.values()];

  const overfitting = context.overfitTags.map(({ tag: name, datasetShare }) => {
    const tag = canonicalTag(name);
    let hits = 0;
    let total = 0;
    for (const row of rows) {
      if (row.prompt.tags.includes(tag)) continue;
      total += 1;
      if (row.detected.has(tag)) hits += 1;
    }
    return { tag, datasetShare, hits, total };
  });

  return {
    epoch,
    traitRecall: {
      hits: traitHits,
      total: traits.length * likeness.length,
      missing: traits.filter((t) => !seen.has(t)),
    },
    outfits,
    flexibility: {
      hits: probes.reduce((sum, p) => sum + p.hits, 0),
      total: probes.reduce((sum, p) => sum + p.total, 0),
      probes,
    },
    overfitting,
  };
}

function percent(ratio: Ratio): string {
  const value = share(ratio);
  return value === null ? '–' : `${Math.round(value * 100)}% (${ratio.hits}/${ratio.total})`;
}

/** One line per epoch for the vote card's buttons and descriptions. */
export function scoreSummary(scores: EpochScores): string {
  const parts = [`likeness ${percent(scores.traitRecall)}`, `flexibility ${percent(scores.flexibility)}`];
  const signs = scores.overfitting.filter((o) => o.hits > 0).length;
  parts.push(signs === 0 ? 'no overfitting signs' : `${signs} overfitting sign${signs === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

/** The per-epoch table posted in the thread (Discord markdown). */
export function scoreTable(scores: EpochScores): string {
  const lines = [`**Epoch ${scores.epoch} — likeness check**`];
  const missing = scores.traitRecall.missing;
  lines.push(
    `Trait recall (main tag alone): ${percent(scores.traitRecall)}` +
      (missing.length > 0 ? ` — not seen: ${missing.map((t) => `\`${t}\``).join(', ')}` : ''),
  );
  for (const outfit of scores.outfits) {
    lines.push(
      `Outfit \`${outfit.tag}\`: when prompted ${percent(outfit.prompted)} · when not prompted ${percent(outfit.unprompted)}`,
    );
  }
  lines.push(
    `Flexibility: ${percent(scores.flexibility)}` +
      (scores.flexibility.probes.length > 0
        ? ` — ${scores.flexibility.probes.map((p) => `${p.group} \`${p.tag}\` ${p.hits}/${p.total}`).join(', ')}`
        : ''),
  );
  const signs = scores.overfitting.filter((o) => o.hits > 0);
  lines.push(
    signs.length === 0
      ? 'Overfitting signs: none'
      : `Overfitting signs: ${signs.map((o) => `\`${o.tag}\` unprompted ${o.hits}/${o.total} (in ${Math.round(o.datasetShare * 100)}% of the dataset)`).join(', ')}`,
  );
  return lines.join('\n');
}

/** The scores as info.txt lists them (name, value), so the file says why this epoch was chosen. */
export function infoTxtScores(scores: EpochScores): Array<{ name: string; value: string }> {
  const rows = [
    { name: 'Trait recall (main tag alone)', value: percent(scores.traitRecall) },
    ...scores.outfits.map((outfit) => ({
      name: `Outfit ${outfit.tag}`,
      value: `prompted ${percent(outfit.prompted)}, unprompted ${percent(outfit.unprompted)}`,
    })),
    { name: 'Flexibility (pose, view, background)', value: percent(scores.flexibility) },
  ];
  const signs = scores.overfitting.filter((o) => o.hits > 0);
  rows.push({
    name: 'Overfitting signs',
    value: signs.length === 0 ? 'none' : signs.map((o) => `${o.tag} ${o.hits}/${o.total}`).join(', '),
  });
  return rows;
}
