import {
  MessageFlags,
  ContainerBuilder,
  TextDisplayBuilder,
  MediaGalleryBuilder,
  MediaGalleryItemBuilder,
  AttachmentBuilder,
} from 'discord.js';
import { countBoard, DATASET_TARGET, MIN_HEADSHOT_SHARE } from '../core/pruning/progress.ts';
import { assignBucket, bucketResolutions, cropLoss, snapBucketRange } from '../core/training/buckets.ts';
import { MAX_BUCKET_CROP_LOSS } from '../core/training/plan.ts';
import type { Db } from '../db/client.ts';
import { loadImageStates, type ImageState } from '../db/repositories/pruning.ts';
import { cropsOfProject, getReplacement } from '../db/repositories/crops.ts';
import type { CropRow, ProjectRow } from '../db/schema/index.ts';
import { renderContactSheet, type SheetTile } from '../storage/contact-sheet.ts';
import { imageInput } from '../storage/image-source.ts';

/** More than this share of an image cut away by its bucket means the trainer would lose the character. */

export interface FrozenDataset {
  kept: ImageState[];
  crops: CropRow[];
  warnings: string[];
  counts: ReturnType<typeof countBoard>;
}

/**
 * What Finalize freezes: kept images plus their confirmed crops; warnings never drop anything
 * (fewer than 50, few headshots, images no bucket holds well at the full preset's 768 / 480–1440).
 */
export async function describeFrozenDataset(db: Db, project: ProjectRow): Promise<FrozenDataset> {
  const states = await loadImageStates(db, project);
  const kept = states.filter((state) => state.verdict.decision === 'kept');
  const keptIds = new Set(kept.map((image) => image.candidateId));
  const crops = (await cropsOfProject(db, project.id))
    .map(({ crop }) => crop)
    .filter((crop) => keptIds.has(crop.candidateId) && crop.box !== null && crop.confirmed);
  const counts = countBoard(states.map((state) => state.verdict));
  const headshotCrops = crops.filter((crop) => crop.kind === 'headshot').length;
  const total = kept.length + crops.length;
  const warnings: string[] = [];
  if (total < DATASET_TARGET.min) {
    warnings.push(
      `Only ${total} images (kept + crops); the guide aims for ${DATASET_TARGET.min}–${DATASET_TARGET.max}. It still trains, with less flexibility.`,
    );
  }
  if (total > 0 && headshotCrops / total < MIN_HEADSHOT_SHARE) {
    warnings.push(
      `Only ${headshotCrops} headshot crops (${Math.round((headshotCrops / total) * 100)}%); the face is the most recognisable part, so the guide wants a good number.`,
    );
  }
  const range = snapBucketRange(480, 1440, 64);
  const buckets = bucketResolutions(768, range);
  const awkward = kept.filter(
    (image) => cropLoss(image, assignBucket(image, buckets)) > MAX_BUCKET_CROP_LOSS,
  );
  if (awkward.length > 0) {
    warnings.push(
      `${awkward.length} image(s) are too tall or wide for the training buckets and would lose over ${MAX_BUCKET_CROP_LOSS * 100}% to cropping: ${awkward
        .slice(0, 10)
        .map((image) => `#${image.rank ?? '?'} (${image.width}×${image.height})`)
        .join(', ')}. Crop them into parts (More → Add crop).`,
    );
  }
  return { kept, crops, warnings, counts };
}

export async function contactSheetTiles(
  db: Db,
  dataDir: string,
  dataset: FrozenDataset,
): Promise<SheetTile[]> {
  const tiles: SheetTile[] = [];
  for (const image of dataset.kept) {
    const replacement = image.replaced ? await getReplacement(db, image.candidateId) : null;
    const input = await imageInput(dataDir, image, replacement);
    tiles.push({ input, label: `#${image.rank ?? '?'} ${image.postId}` });
    for (const crop of dataset.crops.filter((c) => c.candidateId === image.candidateId)) {
      tiles.push({ input, crop: crop.box ?? undefined, label: `#${image.rank ?? '?'} ${crop.kind}` });
    }
  }
  return tiles;
}

export async function finalizedMessage(project: ProjectRow, dataset: FrozenDataset, tiles: SheetTile[]) {
  const { png, layout } = await renderContactSheet(tiles);
  const name = `contact-sheet-${project.mainTag.replace(/[^a-z0-9_-]/g, '_')}.png`;
  const lines = [
    `## Dataset finalized · ${project.characterName}`,
    `**${dataset.kept.length}** kept images + **${dataset.crops.length}** crops = **${dataset.kept.length + dataset.crops.length}** training images · headshot votes ${dataset.counts.headshots} · pruned ${dataset.counts.pruned} · left undecided ${dataset.counts.undecided}`,
    ...dataset.warnings.map((warning) => `⚠️ ${warning}`),
    `Contact sheet: ${layout.columns}×${layout.rows} grid.`,
  ];
  const container = new ContainerBuilder()
    .setAccentColor(0x3ba55d)
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(lines.join('\n').slice(0, 3800)))
    .addMediaGalleryComponents(
      new MediaGalleryBuilder().addItems(
        new MediaGalleryItemBuilder().setURL(`attachment://${name}`).setDescription('Contact sheet'),
      ),
    );
  return {
    flags: MessageFlags.IsComponentsV2 as const,
    components: [container],
    files: [new AttachmentBuilder(png, { name })],
  };
}
