import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ContainerBuilder,
  MediaGalleryBuilder,
  MediaGalleryItemBuilder,
  MessageFlags,
  TextDisplayBuilder,
  type RESTPostAPIChannelMessageJSONBody,
} from 'discord.js';
import { formatDuration } from '../core/training/plan.ts';
import type { TrainingRunProgress } from '../db/schema/index.ts';
import { runButtonId } from './train-ids.ts';

/**
 * The one status message of a training run (posted and edited by the worker over REST): a progress bar,
 * step/total, epoch, average loss, speed and ETA while it runs; the outcome when it ends.
 */

export type RunStatusState =
  'queued' | 'preparing' | 'training' | 'checking' | 'delivering' | 'succeeded' | 'failed' | 'cancelled';

export interface RunStatus {
  runId: number;
  characterName: string;
  baseModelName: string;
  state: RunStatusState;
  progress: TrainingRunProgress | null;
  /** The outcome or a note (e.g. why it failed), shown under the numbers. */
  note?: string;
  /** Seconds since the training process started. */
  elapsedSeconds?: number;
}

const COLOURS: Record<RunStatusState, number> = {
  queued: 0x99aab5,
  preparing: 0xe8743b,
  training: 0xe8743b,
  checking: 0xe8743b,
  delivering: 0xe8743b,
  succeeded: 0x3ba55d,
  failed: 0xed4245,
  cancelled: 0x99aab5,
};

const HEADINGS: Record<RunStatusState, string> = {
  queued: '⏳ Queued',
  preparing: '🛠️ Building the dataset folder',
  training: '🔥 Training',
  checking: '🔎 Checking the model',
  delivering: '📦 Delivering',
  succeeded: '✅ Finished',
  failed: '❌ Failed',
  cancelled: '⛔ Cancelled',
};

/** A text progress bar: `█████░░░░░ 50%`. */
export function progressBar(step: number, total: number, cells = 20): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, step / total)) : 0;
  const filled = Math.round(fraction * cells);
  return `${'█'.repeat(filled)}${'░'.repeat(cells - filled)} ${Math.floor(fraction * 100)}%`;
}

export function formatLoss(loss: number | null): string {
  if (loss === null) return '–';
  if (Number.isNaN(loss)) return 'NaN';
  return loss.toFixed(4);
}

export function formatSpeed(secondsPerStep: number | null): string {
  if (secondsPerStep === null || !Number.isFinite(secondsPerStep) || secondsPerStep <= 0) return '–';
  return secondsPerStep >= 1
    ? `${secondsPerStep.toFixed(2)} s/step`
    : `${(1 / secondsPerStep).toFixed(2)} steps/s`;
}

export function statusLines(status: RunStatus): string[] {
  const lines = [`### ${HEADINGS[status.state]} · ${status.characterName} on ${status.baseModelName}`];
  const progress = status.progress;
  if (progress?.step !== null && progress?.step !== undefined && progress.totalSteps) {
    lines.push(`\`${progressBar(progress.step, progress.totalSteps)}\``);
    const parts = [`Step **${progress.step}** / ${progress.totalSteps}`];
    if (progress.epoch !== null && progress.totalEpochs !== null) {
      parts.push(`epoch **${progress.epoch}** / ${progress.totalEpochs}`);
    }
    parts.push(`average loss **${formatLoss(progress.averageLoss)}**`);
    parts.push(formatSpeed(progress.secondsPerStep));
    if (status.state === 'training' && progress.remainingSeconds !== null) {
      parts.push(`ETA ${formatDuration(progress.remainingSeconds)}`);
    }
    lines.push(parts.join(' · '));
  }
  if (status.elapsedSeconds !== undefined && !['queued', 'preparing', 'training'].includes(status.state)) {
    lines.push(`-# ran for ${formatDuration(status.elapsedSeconds)}`);
  }
  if (status.note) lines.push(status.note);
  lines.push(`-# run #${status.runId}`);
  return lines;
}

const ACTIVE: ReadonlySet<RunStatusState> = new Set(['queued', 'preparing', 'training']);

export function runStatusMessage(status: RunStatus): RESTPostAPIChannelMessageJSONBody {
  const container = new ContainerBuilder()
    .setAccentColor(COLOURS[status.state])
    .addTextDisplayComponents(
      new TextDisplayBuilder().setContent(statusLines(status).join('\n').slice(0, 3900)),
    );
  if (ACTIVE.has(status.state)) {
    container.addActionRowComponents(
      new ActionRowBuilder<ButtonBuilder>().addComponents(
        new ButtonBuilder()
          .setCustomId(runButtonId.encode({ runId: status.runId, action: 'cancel' }))
          .setLabel('Cancel training')
          .setStyle(ButtonStyle.Danger),
      ),
    );
  }
  return { flags: MessageFlags.IsComponentsV2, components: [container.toJSON()] };
}

/** A message showing one picture that travels with it as an attachment (the loss curve, a sample grid). */
export function imageMessage(
  text: string,
  fileName: string,
  description: string,
): RESTPostAPIChannelMessageJSONBody {
  const container = new ContainerBuilder()
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(text.slice(0, 3900)))
    .addMediaGalleryComponents(
      new MediaGalleryBuilder().addItems(
        new MediaGalleryItemBuilder().setURL(`attachment://${fileName}`).setDescription(description),
      ),
    );
  return {
    flags: MessageFlags.IsComponentsV2,
    components: [container.toJSON()],
  };
}

/** Up to ten pictures in one gallery (sample images of one epoch). */
export function galleryMessage(
  text: string,
  files: ReadonlyArray<{ name: string; description: string }>,
): RESTPostAPIChannelMessageJSONBody {
  const gallery = new MediaGalleryBuilder().addItems(
    ...files
      .slice(0, 10)
      .map((file) =>
        new MediaGalleryItemBuilder()
          .setURL(`attachment://${file.name}`)
          .setDescription(file.description.slice(0, 1000)),
      ),
  );
  const container = new ContainerBuilder()
    .addTextDisplayComponents(new TextDisplayBuilder().setContent(text.slice(0, 3900)))
    .addMediaGalleryComponents(gallery);
  return {
    flags: MessageFlags.IsComponentsV2,
    components: [container.toJSON()],
  };
}
